"""English as it is read in Helsinki: day before month and a 24-hour clock.

Django's English formats end a time in "a.m." or "p.m.", so a sentence that ends with a time
ends in two full stops ("… 3 p.m.."), and their month-first dates read wrong here. Only the
display formats change; what a form accepts stays Django's.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
