"""The hosted course's service `khoa-hoc` (a JupyterHub service): book, submissions, results, live report."""
