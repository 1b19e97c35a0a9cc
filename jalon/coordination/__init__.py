"""The coordination desk: the worklist, the referral page and its decisions."""
