"""What the referrals app tells the floors above it, without importing them.

- `complement_answered` (sender: the Referral class, `referral_id`, `items`, `actor`): sent inside the
  transaction of `referral_complete` with the items the referrer's answer closed (provided, or answered
  « non réalisé »). The pathways app closes the complement tasks of those items.
- `referral_content_changed` (sender: the Referral class, `referral`): sent inside the transaction of
  `referral_submit` and `referral_complete`, once the referral, its exams and its completeness are
  written. Triage stores the priority its rules propose (`Referral.proposed_priority`), which the
  worklist shows and sorts by before acceptance.
"""

from django.dispatch import Signal

complement_answered = Signal()
referral_content_changed = Signal()
