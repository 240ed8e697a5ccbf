"""The demo builder: every stage's methods on one object, run in the order the story needs."""

from .areas import AreasStage
from .attendance import AttendanceStage
from .backdate import BackdateStage
from .meetings import MeetingsStage
from .outcomes import OutcomesStage
from .people import PeopleStage
from .seeds import SeedsStage
from .topics import TopicsStage


class DemoBuilder(
    AreasStage, PeopleStage, TopicsStage, MeetingsStage, AttendanceStage, OutcomesStage, SeedsStage, BackdateStage
):
    """Builds the whole demo county in one pass; every choice comes from its seeded random streams."""

    def build(self) -> None:
        self.build_areas()
        self.build_reference()
        self.build_platforms()
        self.link_committees()
        self.build_members()
        self.build_logins()
        self.build_plans()
        meetings = self.plan_meetings()
        topics = self.plan_topics(meetings)
        self.run_topics(topics)
        self.approve_plans()
        self.run_meetings(meetings)
        self.build_participants(meetings)
        self.build_research(meetings, topics)
        self.run_transitions(meetings)
        self.run_merged(topics)
        self.run_outcomes(meetings)
        self.run_conclusions(topics)
        self.build_seed_figures()
        self.backdate(topics, meetings)
