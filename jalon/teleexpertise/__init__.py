"""Tele-expertise: a GP asks a hospital service's opinion on a suspected case; the answer can become a referral."""
