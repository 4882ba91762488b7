from tests.rooms.conftest import make_room, room  # noqa: F401  (shared fixtures)
