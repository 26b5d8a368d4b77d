"""The address scheme of images the archive stored itself (``archive-image:SHA256``);
anything else an article points at is remote. A module of its own so that readers of
stored bodies (the export, the reading pane) need not load the sanitizer's HTML parser."""

ARCHIVE_IMAGE_SCHEME = "archive-image"
