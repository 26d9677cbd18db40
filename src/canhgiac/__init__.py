"""Cảnh giác: a Vietnamese course on AI face-swap extortion, built with Jupyter Book and nbgrader.

The package in layers; a layer imports only the layers below it, and the
commands never import each other (tests/test_layering.py reads the imports):

    cli · sphinxext (the book) · preprocessors (nbgrader's) · the hub     compose the commands
      │
    assign   collect   grade   report   certificates   roster            one per task, side by side
      │
    course: folder, rules, attempts (+ AttemptKey), learners (ID rule),   the core: what every command
            results (read, model), status (who passes), tables           and the hosted course share
    bank (questions, validated) · quiz (answers, scoring, widget)
      │
    errors · datafile · text · tools · facts · coverage · lessons · serve  plain helpers
"""

__version__ = "0.1.0"
