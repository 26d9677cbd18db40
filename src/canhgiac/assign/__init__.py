"""`canhgiac assign`: the nbgrader source notebooks of every quiz, generated from the bank."""
