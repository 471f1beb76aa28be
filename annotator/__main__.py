"""`python -m annotator`: the command line, as the installed `annotator` script runs it."""
from .cli import main

main()
