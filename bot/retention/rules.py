import datetime as dt


def text_expiry(week: str, days: int) -> dt.date:
    year, number = week.split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 1) + dt.timedelta(days=7 + days)
