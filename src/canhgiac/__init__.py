"""Cảnh giác: a Vietnamese course on AI face-swap extortion, built with Jupyter Book and nbgrader."""

__version__ = "0.1.0"
