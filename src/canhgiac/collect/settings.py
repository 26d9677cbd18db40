"""The limits of `canhgiac collect`, set in the course's nbgrader_config.py like nbgrader's own settings.

c.CollectSettings.max_file_bytes = 5_000_000
"""

from traitlets import Int
from traitlets.config import Configurable


class CollectSettings(Configurable):
    """What a received file or archive may hold; anything beyond is refused, not read."""

    max_file_bytes = Int(
        5_000_000,
        min=1,
        help=(
            "The largest notebook or JSON file accepted, in bytes. A quiz notebook with its "
            "outputs is about 0.4 MB and an answers file a few kB; far larger is not a quiz."
        ),
    ).tag(config=True)

    max_archive_bytes = Int(
        200_000_000,
        min=1,
        help=(
            "The most bytes read out of one archive, nested archives included. A zip bomb (a "
            "small archive that unpacks to gigabytes) stops here and the archive is refused."
        ),
    ).tag(config=True)

    max_archive_files = Int(
        5_000,
        min=1,
        help="The most files read out of one archive, nested archives included.",
    ).tag(config=True)

    max_nesting = Int(
        2,
        min=0,
        help="How deep archives inside archives are opened (a class's zip of learners' zips is 1).",
    ).tag(config=True)
