"""Track what U.S. government releases on the U.S.-ROK relationship say, and how it changes."""
