"""Cover images: the record's own thumbnail, an attached image, an optional ISBN service."""
