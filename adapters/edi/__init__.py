"""X12 documents exchanged with drop-ship vendors: envelopes, 850/860 out, 855/856/846/997 in."""
