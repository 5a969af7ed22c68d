"""The anonymous report of working conditions: the survey, its flow, free-text scrubbing
and the monthly limit."""
