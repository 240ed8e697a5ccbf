"""Who may see a topic's photos (served by consult_portal.media): staff who may see the topic, liaison staff only
their own town's. No public page shows them: residents' photos may show people and homes."""

from django.db.models import Q

from consult_portal.access import can

from .models import TopicPhoto
from .selectors import topic_for_user


def may_view(request, name: str) -> bool:
    topic_id = TopicPhoto.objects.filter(Q(image=name) | Q(thumbnail=name)).values_list("topic_id", flat=True).first()
    if topic_id is None or not can(request.user, "topics.view"):
        return False
    topic_for_user(request, topic_id)  # 404 outside the user's town
    return True
