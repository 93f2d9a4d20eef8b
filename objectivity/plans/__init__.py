"""Plans of measures (issue 14). For now: the shipped templates (the four seed plans) and the reader of
deadlines; models, pages and commands come later."""
