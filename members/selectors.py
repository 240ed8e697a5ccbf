from .models import Assignment, Member


def member_for_user(user) -> Member | None:
    return Member.objects.select_related("sector", "committee").filter(user=user).first()


def assignments(member: Member):
    return Assignment.objects.filter(member=member).select_related("area__parent").order_by("-starts_on")
