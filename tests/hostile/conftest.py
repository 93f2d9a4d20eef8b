from tests.hostile import summary


def pytest_terminal_summary(terminalreporter):
    for line in summary.table():
        terminalreporter.write_line(line)
