"""The graded quiz: widgets for the learner, answers.json, scoring and the grading hook for nbgrader."""
