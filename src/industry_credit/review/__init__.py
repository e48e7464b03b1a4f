"""Risk-officer review: the queue, four-eyes actions, override reports and the web workbench."""
