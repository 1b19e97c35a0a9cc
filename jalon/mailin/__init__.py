"""Secure mail in: mails read from a mailbox become draft referrals for the coordination to complete."""
