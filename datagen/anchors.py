"""The real places, people and demo accounts of the story (a contract: README, "Demo accounts")."""

import datetime as dt

# Branches pinned in anchored communities: community → [(branch, kind, size, people)].
# 浒溪社区: 52 members in its own branches, secretary 殷江洪.
ANCHOR_BRANCHES: dict[str, list[tuple[str, str, int, list[dict]]]] = {
    "浒溪社区": [
        (
            "浒溪社区第一党支部",
            "REGULAR",
            18,
            [
                {
                    "name": "殷江洪",
                    "gender": "MALE",
                    "_post": "SECRETARY",
                    "_account": "huxi_secretary",
                    "birth_date": dt.date(1972, 5, 14),
                }
            ],
        ),
        ("浒溪社区第二党支部", "REGULAR", 17, []),
        ("浒溪社区网格党支部", "GRID", 17, []),
    ],
    "青年塘社区": [
        (
            "青年塘社区网格第一党支部",
            "GRID",
            24,
            [
                {
                    "name": "程振国",
                    "gender": "MALE",
                    "_post": "SECRETARY",
                    "_account": "qnt_grid1_secretary",
                    "birth_date": dt.date(1968, 9, 3),
                },
                {
                    "name": "石忠",
                    "gender": "MALE",
                    "floating": "OUTFLOW",
                    "address": "新疆维吾尔自治区乌鲁木齐市天山区",
                },
            ],
        ),
        ("青年塘社区网格第二党支部", "GRID", 20, []),
    ],
    "鸳鸯村": [
        (
            "鸳鸯村第一党支部",
            "REGULAR",
            20,
            [
                {
                    "name": "陈佳",
                    "gender": "MALE",
                    "floating": "OUTFLOW",
                    "_account": "chenjia",
                    "birth_date": dt.date(1986, 3, 21),
                    "address": "广东省深圳市宝安区",
                }
            ],
        ),
        ("鸳鸯村第二党支部", "REGULAR", 15, []),
    ],
}

# An organ committee of 江津区 whose in-service members report to 浒溪社区 (58 of them).
ANCHOR_UNIT = "江津区直属机关工作委员会"
ANCHOR_UNIT_DISTRICT = "江津区"
ANCHOR_UNIT_FEEDS = ("浒溪社区", 58)
ANCHOR_UNIT_BRANCHES: list[tuple[str, int, list[dict]]] = [
    (
        "江津区政务服务管理办公室党支部",
        30,
        [
            {
                "name": "欧丽",
                "gender": "FEMALE",
                "_account": "ouli",
                "_resident": "浒溪社区",
                "birth_date": dt.date(1989, 7, 8),
                "dues_category": "EMPLOYED",
            }
        ],
    ),
    (
        "江津区人力资源和社会保障局党支部",
        25,
        [
            {
                "name": "杜娟",
                "gender": "FEMALE",
                "_account": "dujuan",
                "_resident": "大西门社区",
                "birth_date": dt.date(1984, 11, 26),
                "dues_category": "EMPLOYED",
            }
        ],
    ),
    ("江津区财政局党支部", 30, []),
    ("江津区民政局党支部", 28, []),
]

# username → (display name, role, scope org name or None for self-only accounts)
ACCOUNTS: list[tuple[str, str, str, str | None]] = [
    ("cq_admin", "重庆市委组织部", "city_admin", "中共重庆市委"),
    ("jiangjin_admin", "江津区委组织部", "district_admin", "中共重庆市江津区委员会"),
    ("banan_admin", "巴南区委组织部", "district_admin", "中共重庆市巴南区委员会"),
    ("shengquan_admin", "圣泉街道党工委", "street_admin", "中共圣泉街道党工委"),
    ("huxi_secretary", "殷江洪", "community_secretary", "中共浒溪社区党委"),
    ("qnt_grid1_secretary", "程振国", "branch_secretary", "中共青年塘社区网格第一党支部"),
    ("ouli", "欧丽", "member", None),
    ("dujuan", "杜娟", "member", None),
    ("chenjia", "陈佳", "member", None),
    ("jiangjin_auditor", "江津区委组织部审计", "auditor", "中共重庆市江津区委员会"),
]

STORY_NAMES = frozenset(
    person["name"]
    for branches in ANCHOR_BRANCHES.values()
    for *_, people in branches
    for person in people
) | frozenset(person["name"] for *_, people in ANCHOR_UNIT_BRANCHES for person in people)

# Floating members (issue 21). 南彭街道 held 11 symposiums with floating members home for the
# Mid-Autumn festival and collected 40+ suggestions; 陈佳 of 鸳鸯村, ten years in network
# communications along the western land-sea corridor, was among them.
FLOATING_STREET = "南彭街道"
FLOATING_SYMPOSIUMS = 11
FLOATING_SUGGESTIONS = 44
CHENJIA_OUTFLOW = {
    "destination": "广西壮族自治区钦州市钦南区",
    "reason": "在西部陆海新通道从事网络通信工作",
}
CHENJIA_YEARS = 10
CHENJIA_SUGGESTION = (
    "建议依托西部陆海新通道，用好南彭的物流园区和本地劳动力资源，"
    "发展网络通信配套产业，吸引在外务工党员返乡创业"
)
# arrivals placed in 青年塘社区's grid branches, routed by 李家沱街道
INFLOW_HOST_STREET = "李家沱街道"
INFLOW_COMMUNITY = "青年塘社区"
