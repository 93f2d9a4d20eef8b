"""Pure statistics library: frames in, tidy frames out. Imports no Django and no app."""
