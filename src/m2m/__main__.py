from m2m.cli import run

run()
