"""EDI with drop-ship vendors: the X12 codec, and how documents travel to and from them."""
