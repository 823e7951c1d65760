# Task templates and tasks come with the prior-validation issue.
