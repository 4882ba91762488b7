"""Facilitated sessions: segments, talking rounds, reactions, slow mode, lock and end of session.

Layout: ``state`` is the pure state machine of a round; ``frames`` parses and encodes this
feature's websocket frames (a leaf next to ``rooms.protocol``); ``permissions`` says who may
facilitate; ``selectors`` read and ``services`` write (publishing on commit through
``rooms.events``); ``seats`` is the async glue of joining and leaving; ``commands`` turns a
parsed client frame into one service call. The consumer stays transport only.
"""
