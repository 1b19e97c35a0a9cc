"""What the referrals app tells the floors above it, without importing them.

- `complement_answered` (sender: the Referral class, `referral_id`, `items`, `actor`): sent inside the
  transaction of `referral_complete` with the items the referrer's answer closed (provided, or answered
  « non réalisé »). The pathways app closes the complement tasks of those items.
"""

from django.dispatch import Signal

complement_answered = Signal()
