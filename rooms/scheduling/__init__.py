"""Scheduled group sessions: planned, facilitated sessions with RSVPs, calendars and a room each.

Layout (see docs/scheduling.md): ``recurrence`` and ``window`` and ``ics`` are pure; ``selectors``
read; ``services`` write; ``api`` is the HTTP transport.
"""
