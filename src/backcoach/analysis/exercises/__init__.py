"""One analyzer per exercise of the program, each built on ``base.BaseAnalyzer``."""
