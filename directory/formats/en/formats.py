"""American English (the default): "Mar 31, 2026", "3/31/2026", miles.

Django reads the date formats through ``FORMAT_MODULE_PATH``; ``DISTANCE_UNIT`` is ours,
read by ``listings.distance.active_unit``.
"""

DATE_FORMAT = "M j, Y"
SHORT_DATE_FORMAT = "m/d/Y"
DATETIME_FORMAT = "M j, Y, g:i a"
SHORT_DATETIME_FORMAT = "m/d/Y g:i a"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "F j"
TIME_FORMAT = "g:i a"
DISTANCE_UNIT = "mi"
