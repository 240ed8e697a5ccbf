"""The ledger of a county's three past years (2023–2025) for the history-entry tests (#14): its rows as an office
types them, the figures counted from them by hand, and the county they are entered into."""

import pytest

from consult_portal.imports import split_list
from sessions.history import ITEM_SEPARATORS
from tests.factories import PlatformFactory, UnitFactory
from tests.imports_helpers import filled, preview_and_confirm

MEETINGS, OUTCOMES = "history_meetings", "history_outcomes"
YEARS = (2023, 2024, 2025)

# The ledger of past consultations: one row a meeting, as an office types it.
MEETING_ROWS = [
    {
        "台账编号": "2023-001",
        "日期": "2023-03-15",
        "开始时间": "09:30",
        "平台": "甲镇协商室",
        "镇街": "甲镇",
        "议题": "老街路灯维修",
        "议题来源": "群众出题",
        "协商形式": "院坝协商",
        "参加人数": 30,
        "邀请群众数": 20,
        "到会群众数": 18,
        "自发参与群众数": 2,
        "参与部门数": 3,
        "委员参与人次": 5,
        "会议纪要": "商定分段维修。",
        "意见建议": "更换老街路灯；增设夜间巡逻",
        "协商共识": "分两期完成",
    },
    {
        "台账编号": "2023-002",
        "日期": "2023年9月8日",
        "平台": "甲一村议事室",
        "议题": "村道硬化",
        "参加人数": 25,
        "邀请群众数": 15,
        "到会群众数": 15,
        "参与部门数": 2,
        "委员参与人次": 3,
        "会议纪要": "明确资金来源。",
        "意见建议": "村道硬化争取项目资金\n设置限高杆",
    },
    {
        "台账编号": "2024-001",
        "日期": "2024/4/2",
        "平台": "乙镇协商室",
        "镇街": "乙镇",
        "议题": "农贸市场改造",
        "议题来源": "党政点题",
        "点题单位": "乙镇党委",
        "协商形式": "会议协商",
        "参加人数": 40,
        "邀请群众数": 30,
        "到会群众数": 26,
        "参与部门数": 5,
        "委员参与人次": 8,
        "会议纪要": "形成改造方案。",
        "意见建议": "改造排水；规范摊位；增设停车位",
        "协商共识": "年内完工",
    },
    {
        "台账编号": "2024-002",
        "日期": "2024-11-20",
        "平台": "甲镇协商室",
        "议题": "学校门口交通安全",
        "议题来源": "群众出题",
        "参加人数": 22,
        "参与部门数": 4,
        "委员参与人次": 6,
    },
    {
        "台账编号": "2025-001",
        "日期": "2025-06-18",
        "开始时间": "14:00",
        "结束时间": "16:30",
        "平台": "乙镇协商室",
        "议题": "养老服务站建设",
        "协商形式": "界别协商",
        "参加人数": 35,
        "邀请群众数": 25,
        "到会群众数": 24,
        "自发参与群众数": 1,
        "参与部门数": 6,
        "委员参与人次": 10,
        "会议纪要": "选址已定。",
        "意见建议": "建设日间照料中心；配备助餐点",
        "协商共识": "纳入民生实事",
    },
]
# The ledger of outcome items: one row an item, naming its meeting's ledger number.
ITEM_ROWS = [
    {
        "台账编号": "2023-001-1",
        "会议台账编号": "2023-001",
        "成果内容": "更换老街路灯",
        "承办单位": "县住建局",
        "交办日期": "2023-03-20",
        "办理时限": "2023-06-30",
        "办理状态": "已落实",
        "答复日期": "2023-06-10",
        "答复内容": "已更换40盏。",
        "公示日期": "2023-06-20",
        "解决问题数": 3,
        "测评日期": "2023-07-01",
        "非常满意": 10,
        "满意": 5,
        "基本满意": 3,
        "不满意": 1,
        "非常不满意": 1,
    },
    {
        "台账编号": "2023-001-2",
        "会议台账编号": "2023-001",
        "成果内容": "增设夜间巡逻",
        "承办单位": "县公安局",
        "联系人": "赵所长",
        "交办日期": "2023-03-20",
        "办理时限": "2023-05-31",
        "办理状态": "部分落实",
        "答复日期": "2023-05-20",
        "答复内容": "每周巡逻三次。",
        "办结日期": "2023-05-25",
        "解决问题数": 2,
    },
    {
        "台账编号": "2023-002-1",
        "会议台账编号": "2023-002",
        "成果内容": "村道硬化争取项目资金",
        "承办单位": "县交通局",
        "交办日期": "2023-12-28",
        "办理时限": "2024-03-31",
        "办理状态": "已落实",
        "答复日期": "2024-03-01",
        "答复内容": "已列入2024年项目。",
        "公示日期": "2024-03-10",
        "测评日期": "2024-03-20",
        "测评方式": "纸质问卷",
        "非常满意": 8,
        "满意": 2,
    },
    {
        "台账编号": "2024-001-1",
        "会议台账编号": "2024-001",
        "成果内容": "改造排水",
        "承办单位": "县住建局",
        "交办日期": "2024-04-10",
        "办理时限": "2024-08-31",
        "办理状态": "已落实",
        "答复日期": "2024-08-15",
        "答复内容": "排水管网已改造。",
        "公示日期": "2024-08-20",
        "解决问题数": 4,
        "测评日期": "2024-09-01",
        "满意": 6,
        "基本满意": 2,
        "不满意": 2,
    },
    {
        "台账编号": "2024-001-2",
        "会议台账编号": "2024-001",
        "成果内容": "规范摊位",
        "承办单位": "县交通局",
        "交办日期": "2024-04-10",
        "办理时限": "2024-06-30",
        "办理状态": "暂不具备条件",
        "答复日期": "2024-06-20",
        "答复内容": "场地不足。",
        "暂不具备条件原因": "需待新址建成。",
    },
    {
        "台账编号": "2024-002-1",
        "会议台账编号": "2024-002",
        "成果内容": "学校门口设置减速带",
        "承办单位": "县交通局",
        "交办日期": "2024-11-25",
        "办理时限": "2025-01-31",
        "办理状态": "已落实",
        "答复日期": "2025-01-10",
        "答复内容": "已设置。",
        "公示日期": "2025-01-15",
    },
    {
        "台账编号": "2025-001-1",
        "会议台账编号": "2025-001",
        "成果内容": "建设日间照料中心",
        "承办单位": "县住建局",
        "交办日期": "2025-06-25",
        "办理时限": "2025-12-31",
        "办理状态": "推进中",
    },
    {
        "台账编号": "2025-001-2",
        "会议台账编号": "2025-001",
        "成果内容": "配备助餐点",
        "承办单位": "县公安局",
        "联系人": "钱警官",
        "交办日期": "2025-06-25",
        "办理时限": "2025-09-30",
        "办理状态": "已落实",
        "答复日期": "2025-09-01",
        "答复内容": "助餐点已开放。",
        "公示日期": "2025-09-10",
        "解决问题数": 2,
        "测评日期": "2025-09-20",
        "非常满意": 12,
        "满意": 3,
        "不满意": 1,
    },
]
FINAL_DONE = ("已落实", "部分落实")
SATISFIED = ("非常满意", "满意", "基本满意")
RATED = (*SATISFIED, "不满意", "非常不满意")


def _year(text: str) -> int:
    return int(text[:4])


def hand_counts(years) -> dict:
    """The figures of `years`, counted from the ledger's rows: a meeting in the year of its date, an item in the
    year it was handed over."""
    meetings = [row for row in MEETING_ROWS if _year(row["日期"]) in years]
    items = [row for row in ITEM_ROWS if _year(row["交办日期"]) in years]
    both = [row for row in meetings if "邀请群众数" in row and "到会群众数" in row]
    published = [row for row in items if row.get("公示日期")]
    satisfied = sum(row.get(key, 0) for row in published for key in SATISFIED)
    rated = sum(row.get(key, 0) for row in published for key in RATED)
    return {
        "meetings_held": len(meetings),
        "suggestions": sum(len(split_list(row.get("意见建议", ""), ITEM_SEPARATORS)) for row in meetings),
        "consensus": sum(len(split_list(row.get("协商共识", ""), ITEM_SEPARATORS)) for row in meetings),
        "outcomes": len(items),
        "implemented": sum(row["办理状态"] == "已落实" for row in items),
        "problems_solved": sum(row.get("解决问题数", 1) for row in items if row["办理状态"] in FINAL_DONE),
        "residents_invited": sum(row.get("邀请群众数", 0) for row in meetings),
        "residents_attended": sum(row.get("到会群众数", 0) for row in meetings),
        "departments": sum(row.get("参与部门数", 0) for row in meetings),
        "member_times": sum(row.get("委员参与人次", 0) for row in meetings),
        "participation": sum(r["到会群众数"] for r in both) / sum(r["邀请群众数"] for r in both) if both else None,
        "satisfaction": satisfied / rated if rated else None,
    }


@pytest.fixture
def history_county(town_a, town_b, village_a):
    PlatformFactory(name="甲镇协商室", area=town_a, level="town")
    PlatformFactory(name="甲一村议事室", area=village_a, level="village")
    PlatformFactory(name="乙镇协商室", area=town_b, level="town")
    for name, contact in (("县住建局", "王科长"), ("县交通局", "李科长"), ("县公安局", "")):
        UnitFactory(name=name, contact_name=contact)


@pytest.fixture
def ledger_entered(client, office, history_county):
    """The three years of ledger imported by the office: meetings first, then their items."""
    client.force_login(office)
    assert preview_and_confirm(client, MEETINGS, filled(client, MEETINGS, MEETING_ROWS)).status_code == 302
    assert preview_and_confirm(client, OUTCOMES, filled(client, OUTCOMES, ITEM_ROWS)).status_code == 302
    return client
