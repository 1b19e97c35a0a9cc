"""What the pathways app tells the floors above it, without importing them.

- `pathway_changed` (sender: the Pathway class, `pathway_id`): sent inside the transaction of every pathway
  write (start, milestone, closing...). The indicators keep their facts row in step with it.
- `pathway_page_shown` (sender: the Pathway class, `user`, `referral`): the pathway page was shown to a
  professional. The portal marks the GP's conversation on it as read (the page shows that thread).
"""

from django.dispatch import Signal

pathway_changed = Signal()
pathway_page_shown = Signal()
