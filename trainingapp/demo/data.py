"""Demo data: the units, lecturers and agenda of the reference course, and Vietnamese name parts.

Khánh Hòa as it was in August 2023, plus the units created by the 2025 reorganisation (district-level
administration abolished on 01/07/2025, provincial departments merged on 01/03/2025). Pure data: the
loading logic lives in :mod:`trainingapp.demo.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time

from ..organizations.models import OrganizationKind as K
from ..registration import storage

DEPARTMENTS_MERGED = date(2025, 3, 1)
DISTRICTS_ABOLISHED = date(2025, 7, 1)
#: Khánh Hòa and Ninh Thuận merged on the same day; so did their newsrooms
PROVINCES_MERGED = DISTRICTS_ABOLISHED

PROVINCE = "tỉnh Khánh Hòa"
BORDER_GUARD = "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Khánh Hòa"


@dataclass(frozen=True)
class OrgSpec:
    name: str
    kind: K
    short_name: str | None = None
    parent: str | None = None
    retired_on: date | None = None
    successor: str | None = None
    #: created by the 2025 reorganisation, so it sent nobody to the 2023 course
    founded_2025: bool = False
    #: a mountain district where many officials are Raglai
    highland: bool = False


def _dept(name: str, short: str | None = None, successor: str | None = None) -> OrgSpec:
    retired = DEPARTMENTS_MERGED if successor else None
    return OrgSpec(name, K.PROVINCIAL_AGENCY, short, retired_on=retired, successor=successor)


def _new_dept(name: str, short: str | None = None) -> OrgSpec:
    return OrgSpec(name, K.PROVINCIAL_AGENCY, short, founded_2025=True)


SO_VHTTDL = f"Sở Văn hóa, Thể thao và Du lịch {PROVINCE}"
SO_KHCN = f"Sở Khoa học và Công nghệ {PROVINCE}"
SO_NNMT = f"Sở Nông nghiệp và Môi trường {PROVINCE}"
BAN_TGDV = "Ban Tuyên giáo và Dân vận Tỉnh ủy Khánh Hòa"

PROVINCIAL_AGENCIES = [
    _dept(f"Sở Thông tin và Truyền thông {PROVINCE}", "Sở TT&TT", successor=SO_KHCN),
    _dept(SO_KHCN, "Sở KH&CN"),
    _dept(f"Sở Văn hóa và Thể thao {PROVINCE}", "Sở VH&TT", successor=SO_VHTTDL),
    _dept(f"Sở Du lịch {PROVINCE}", successor=SO_VHTTDL),
    _new_dept(SO_VHTTDL, "Sở VHTTDL"),
    _dept(f"Sở Ngoại vụ {PROVINCE}"),
    _dept(f"Sở Nội vụ {PROVINCE}"),
    _dept(f"Sở Lao động - Thương binh và Xã hội {PROVINCE}", successor=f"Sở Nội vụ {PROVINCE}"),
    _dept(f"Sở Giáo dục và Đào tạo {PROVINCE}", "Sở GD&ĐT"),
    _dept(f"Sở Y tế {PROVINCE}"),
    _dept(f"Sở Tư pháp {PROVINCE}"),
    _dept(f"Sở Tài chính {PROVINCE}"),
    _dept(f"Sở Kế hoạch và Đầu tư {PROVINCE}", successor=f"Sở Tài chính {PROVINCE}"),
    _dept(f"Sở Tài nguyên và Môi trường {PROVINCE}", successor=SO_NNMT),
    _dept(f"Sở Nông nghiệp và Phát triển nông thôn {PROVINCE}", successor=SO_NNMT),
    _new_dept(SO_NNMT),
    _dept(f"Sở Công Thương {PROVINCE}"),
    _dept(f"Ban Dân tộc {PROVINCE}", successor=f"Sở Dân tộc và Tôn giáo {PROVINCE}"),
    _new_dept(f"Sở Dân tộc và Tôn giáo {PROVINCE}"),
    _dept(f"Văn phòng Ủy ban nhân dân {PROVINCE}", "Văn phòng UBND tỉnh"),
    _dept("Ban Tuyên giáo Tỉnh ủy Khánh Hòa", successor=BAN_TGDV),
    _dept("Ban Dân vận Tỉnh ủy Khánh Hòa", successor=BAN_TGDV),
    _new_dept(BAN_TGDV),
    _dept("Ban Quản lý Khu kinh tế Vân Phong"),
    _dept(f"Công an {PROVINCE}"),
    _dept(f"Bộ Chỉ huy Quân sự {PROVINCE}"),
    _dept(BORDER_GUARD, "BĐBP Khánh Hòa"),
]

#: (locality, mountain district) in the province's usual order
DISTRICTS = [
    ("thành phố Nha Trang", False),
    ("thành phố Cam Ranh", False),
    ("thị xã Ninh Hòa", False),
    ("huyện Vạn Ninh", False),
    ("huyện Diên Khánh", False),
    ("huyện Cam Lâm", False),
    ("huyện Khánh Vĩnh", True),
    ("huyện Khánh Sơn", True),
    ("huyện Trường Sa", False),
]

#: abolished district-level unit -> the commune-level unit that took over most of its work
DISTRICT_SUCCESSORS = {
    "Văn phòng HĐND và UBND thành phố Nha Trang": "Văn phòng HĐND và UBND phường Nha Trang",
    "Văn phòng HĐND và UBND thành phố Cam Ranh": "Văn phòng HĐND và UBND phường Cam Ranh",
    "Phòng Văn hóa và Thông tin thành phố Nha Trang": "Phòng Văn hóa - Xã hội phường Nha Trang",
    "Phòng Văn hóa và Thông tin thành phố Cam Ranh": "Phòng Văn hóa - Xã hội phường Cam Ranh",
    "Phòng Văn hóa và Thông tin huyện Cam Lâm": "Phòng Văn hóa - Xã hội xã Cam Lâm",
    "Phòng Văn hóa và Thông tin huyện Diên Khánh": "Phòng Văn hóa - Xã hội xã Diên Khánh",
}


def _district_units(prefix: str, kind: K, skip: tuple[str, ...] = ()) -> list[OrgSpec]:
    return [
        OrgSpec(
            f"{prefix} {place}",
            kind,
            retired_on=DISTRICTS_ABOLISHED,
            successor=DISTRICT_SUCCESSORS.get(f"{prefix} {place}"),
            highland=highland,
        )
        for place, highland in DISTRICTS
        if place not in skip
    ]


DISTRICT_OFFICES = _district_units("Văn phòng HĐND và UBND", K.DISTRICT_OFFICE)
CULTURE_OFFICES = _district_units("Phòng Văn hóa và Thông tin", K.CULTURE_OFFICE)
CULTURE_CENTRES = _district_units(
    "Trung tâm Văn hóa - Thông tin và Thể thao", K.CULTURE_CENTRE, skip=("huyện Trường Sa",)
)
COMMUNE_UNITS_2025 = [
    OrgSpec("Văn phòng HĐND và UBND phường Nha Trang", K.DISTRICT_OFFICE, founded_2025=True),
    OrgSpec("Văn phòng HĐND và UBND phường Cam Ranh", K.DISTRICT_OFFICE, founded_2025=True),
    OrgSpec("Phòng Văn hóa - Xã hội phường Nha Trang", K.CULTURE_OFFICE, founded_2025=True),
    OrgSpec("Phòng Văn hóa - Xã hội phường Cam Ranh", K.CULTURE_OFFICE, founded_2025=True),
    OrgSpec("Phòng Văn hóa - Xã hội xã Cam Lâm", K.CULTURE_OFFICE, founded_2025=True),
    OrgSpec("Phòng Văn hóa - Xã hội xã Diên Khánh", K.CULTURE_OFFICE, founded_2025=True),
]

#: communes with a radio station that took part, by district (2023 names)
COMMUNES = {
    "huyện Vạn Ninh": ["Đại Lãnh", "Vạn Thọ", "Vạn Thạnh", "Vạn Phước", "Vạn Long", "Vạn Hưng"],
    "thị xã Ninh Hòa": ["Ninh Vân", "Ninh Phước", "Ninh Ích", "Ninh Lộc", "Ninh Tây", "Ninh An"],
    "thành phố Nha Trang": ["Vĩnh Lương", "Vĩnh Phương", "Vĩnh Ngọc", "Phước Đồng", "Vĩnh Thái"],
    "thành phố Cam Ranh": ["Cam Bình", "Cam Lập", "Cam Thịnh Đông", "Cam Phước Đông"],
    "huyện Cam Lâm": ["Cam Hải Đông", "Cam Hải Tây", "Cam Hòa", "Cam Thành Bắc", "Suối Tân"],
    "huyện Diên Khánh": ["Diên Phú", "Diên Sơn", "Diên Điền", "Suối Hiệp", "Diên Toàn"],
    "huyện Khánh Vĩnh": ["Khánh Bình", "Khánh Hiệp", "Sông Cầu", "Liên Sang", "Cầu Bà"],
    "huyện Khánh Sơn": ["Sơn Bình", "Sơn Hiệp", "Ba Cụm Bắc", "Thành Sơn"],
}
_HIGHLAND = {place for place, highland in DISTRICTS if highland}

COMMUNE_RADIOS = [
    OrgSpec(f"Đài Truyền thanh xã {commune}", K.COMMUNE_RADIO, highland=district in _HIGHLAND)
    for district, communes in COMMUNES.items()
    for commune in communes
]

BORDER_POSTS = [
    OrgSpec(f"Đồn Biên phòng {name}", K.BORDER_POST, parent=BORDER_GUARD)
    for name in (
        "Đại Lãnh",
        "Vạn Thọ",
        "Ninh Hải",
        "Hòn Khói",
        "Cửa khẩu cảng Nha Trang",
        "Cam Ranh",
        "Cửa khẩu cảng Cam Ranh",
    )
]

MEDIA_MERGED = "Báo và Phát thanh, Truyền hình Khánh Hòa"
CORRESPONDENTS = [
    f"Thường trú {paper} tại Khánh Hòa"
    for paper in (
        "Thông tấn xã Việt Nam",
        "Báo Nhân Dân",
        "Báo Tuổi Trẻ",
        "Báo Thanh Niên",
        "Báo Người Lao Động",
        "Báo Biên phòng",
    )
]
NEWSROOMS = [
    OrgSpec(
        "Báo Khánh Hòa",
        K.NEWSROOM,
        retired_on=PROVINCES_MERGED,
        successor=MEDIA_MERGED,
    ),
    OrgSpec(
        "Đài Phát thanh và Truyền hình Khánh Hòa",
        K.NEWSROOM,
        "Đài PT-TH Khánh Hòa",
        retired_on=PROVINCES_MERGED,
        successor=MEDIA_MERGED,
    ),
    OrgSpec(MEDIA_MERGED, K.NEWSROOM, founded_2025=True),
    *(OrgSpec(name, K.NEWSROOM) for name in CORRESPONDENTS),
]

OTHER_UNITS = [
    OrgSpec("Tỉnh Đoàn Khánh Hòa", K.OTHER),
    OrgSpec("Hội Nhà báo tỉnh Khánh Hòa", K.OTHER),
    OrgSpec("Liên hiệp các tổ chức hữu nghị tỉnh Khánh Hòa", K.OTHER),
    OrgSpec("Trường Chính trị tỉnh Khánh Hòa", K.OTHER),
]

#: parents and successors come before the units that point to them
ORGANIZATIONS = [
    *PROVINCIAL_AGENCIES,
    *COMMUNE_UNITS_2025,
    *DISTRICT_OFFICES,
    *CULTURE_OFFICES,
    *CULTURE_CENTRES,
    *COMMUNE_RADIOS,
    *BORDER_POSTS,
    *NEWSROOMS,
    *OTHER_UNITS,
]

# --- the reference course -------------------------------------------------------------------


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    title: str
    organizer: str
    venue: str
    description: str
    capacity: int = 250
    co_organizers: tuple[str, ...] = (BORDER_GUARD,)


REFERENCE = CourseSpec(
    slug="tap-huan-thong-tin-doi-ngoai-2023",
    title="Tập huấn công tác thông tin đối ngoại năm 2023",
    organizer=f"Sở Thông tin và Truyền thông {PROVINCE}",
    venue="Hội trường Bộ Chỉ huy Bộ đội Biên phòng tỉnh Khánh Hòa, thành phố Nha Trang",
    description=(
        "Lớp tập huấn về công tác thông tin đối ngoại năm 2023 do Sở Thông tin và Truyền thông "
        "phối hợp với Bộ Chỉ huy Bộ đội Biên phòng tỉnh tổ chức, dành cho cán bộ phụ trách công "
        "tác thông tin đối ngoại, cán bộ phụ trách cổng, trang thông tin điện tử của các sở, ban, "
        "ngành, địa phương; phòng văn hóa và thông tin, trung tâm văn hóa - thông tin và thể thao "
        "các huyện, thị xã, thành phố; cán bộ đài truyền thanh cơ sở, các đồn biên phòng trên địa "
        "bàn tỉnh; phóng viên, biên tập viên các cơ quan báo chí."
    ),
)
REFERENCE_DATE = date(2023, 8, 16)
#: local wall-clock moments of the reference course's life
REFERENCE_CREATED = datetime(2023, 7, 24, 9, 10)
REFERENCE_OPENS = datetime(2023, 8, 1, 7, 30)
REFERENCE_CLOSES = datetime(2023, 8, 15, 17, 0)
REFERENCE_CLOSED = datetime(2023, 8, 17, 8, 0)
#: official lists sent by units of these kinds, imported by the organizer
REFERENCE_IMPORTS = {
    K.BORDER_POST: datetime(2023, 8, 11, 14, 5),
    K.DISTRICT_OFFICE: datetime(2023, 8, 14, 9, 20),
}

#: (name prefix, start, end)
SESSIONS = [("Sáng", time(7, 30), time(11, 30)), ("Chiều", time(13, 30), time(17, 0))]

#: (rank, full name, position)
LECTURERS = [
    ("Thượng tá", "Lê Quang Vinh", "Phó Chủ nhiệm Chính trị"),
    ("Trung tá", "Trần Đức Thịnh", "Trưởng ban Tuyên huấn, Phòng Chính trị"),
    ("Trung tá", "Nguyễn Hữu Phước", "Phó Tham mưu trưởng"),
]

#: (title, summary, session index, lecturer index)
TOPICS = [
    (
        "Công tác thông tin đối ngoại trong tình hình mới",
        "Quan điểm của Đảng, chính sách, pháp luật của Nhà nước về thông tin đối ngoại; nhiệm vụ "
        "thông tin đối ngoại của tỉnh đến năm 2030, tầm nhìn đến năm 2045; giới thiệu tiềm năng, "
        "thế mạnh, con người, lịch sử, văn hóa Khánh Hòa với bạn bè quốc tế và kiều bào.",
        0,
        0,
    ),
    (
        "Đấu tranh với các thông tin, quan điểm sai trái, thù địch nhằm chia rẽ, phá hoại khối "
        "đại đoàn kết toàn dân tộc ở khu vực biên giới",
        "Nhận diện luận điệu sai trái, xuyên tạc trên không gian mạng về khu vực biên giới, biển "
        "đảo; cách phản bác và cung cấp thông tin chính thống; phối hợp giữa cơ quan báo chí, đài "
        "truyền thanh cơ sở và đồn biên phòng trong bảo vệ nền tảng tư tưởng của Đảng.",
        0,
        1,
    ),
    (
        "Tình hình đấu tranh bảo vệ chủ quyền biển đảo và biên giới lãnh thổ quốc gia",
        "Tình hình trên các vùng biển, đảo và tuyến biên giới đất liền; cơ sở pháp lý và lịch sử "
        "khẳng định chủ quyền của Việt Nam đối với quần đảo Hoàng Sa và Trường Sa; vai trò của "
        "Bộ đội Biên phòng tỉnh trong quản lý, bảo vệ chủ quyền, an ninh vùng biển.",
        1,
        2,
    ),
    (
        "Quan hệ giữa Việt Nam với các nước có chung đường biên giới",
        "Quan hệ hữu nghị, hợp tác với Trung Quốc, Lào và Campuchia; kết quả phân giới, cắm mốc; "
        "xây dựng đường biên giới hòa bình, hữu nghị, hợp tác và phát triển; những điểm cần lưu ý "
        "khi thông tin, tuyên truyền về quan hệ với các nước láng giềng.",
        1,
        0,
    ),
]

# --- the upcoming copy ----------------------------------------------------------------------

#: ``{year}`` is the year of the copy's start date
UPCOMING = CourseSpec(
    slug="tap-huan-thong-tin-doi-ngoai-{year}",
    title="Tập huấn công tác thông tin đối ngoại năm {year}",
    organizer=SO_VHTTDL,
    venue="Hội trường Bộ Chỉ huy Bộ đội Biên phòng tỉnh Khánh Hòa, Nha Trang",
    description=(
        "Lớp tập huấn công tác thông tin đối ngoại năm {year} dành cho cán bộ phụ trách công tác "
        "thông tin đối ngoại, cán bộ phụ trách cổng, trang thông tin điện tử của các sở, ban, "
        "ngành; cán bộ văn hóa - xã hội và đài truyền thanh các xã, phường; các đồn biên phòng "
        "trên địa bàn tỉnh; phóng viên, biên tập viên các cơ quan báo chí. Báo cáo viên đến từ Bộ "
        "Chỉ huy Bộ đội Biên phòng tỉnh."
    ),
)

# --- participants ---------------------------------------------------------------------------

#: participants per unit at the reference course, by kind: (fewest, most)
PARTICIPANTS_PER_UNIT = {
    K.PROVINCIAL_AGENCY: (1, 3),
    K.DISTRICT_OFFICE: (1, 2),
    K.CULTURE_OFFICE: (1, 3),
    K.CULTURE_CENTRE: (2, 3),
    K.COMMUNE_RADIO: (1, 2),
    K.BORDER_POST: (3, 5),
    K.NEWSROOM: (1, 2),
    K.OTHER: (1, 2),
}
PARTICIPANTS_OVERRIDES = {
    REFERENCE.organizer: (3, 3),
    BORDER_GUARD: (3, 4),
    "Báo Khánh Hòa": (4, 6),
    "Đài Phát thanh và Truyền hình Khánh Hòa": (4, 7),
}

#: share of men by kind (border guards are mostly men)
MALE_SHARE = {K.BORDER_POST: 0.95}
MALE_SHARE_DEFAULT = 0.5

#: (positions held by one person per unit, positions anyone may hold)
POSITIONS = {
    K.PROVINCIAL_AGENCY: (
        ("Trưởng phòng", "Phó Trưởng phòng", "Phó Chánh Văn phòng"),
        ("Chuyên viên", "Chuyên viên chính", "Chuyên viên phụ trách Cổng thông tin điện tử"),
    ),
    K.DISTRICT_OFFICE: (
        ("Phó Chánh Văn phòng",),
        ("Chuyên viên", "Chuyên viên phụ trách Cổng thông tin điện tử"),
    ),
    K.CULTURE_OFFICE: (("Trưởng phòng", "Phó Trưởng phòng"), ("Chuyên viên",)),
    K.CULTURE_CENTRE: (
        ("Giám đốc", "Phó Giám đốc"),
        ("Biên tập viên", "Phát thanh viên", "Kỹ thuật viên", "Viên chức"),
    ),
    K.COMMUNE_RADIO: (
        ("Trưởng Đài", "Phó Trưởng Đài"),
        ("Phát thanh viên", "Nhân viên Đài truyền thanh", "Công chức Văn hóa - Xã hội"),
    ),
    K.BORDER_POST: (
        ("Đồn trưởng", "Chính trị viên", "Chính trị viên phó", "Phó Đồn trưởng"),
        ("Trợ lý tuyên truyền", "Đội trưởng Đội vận động quần chúng", "Cán bộ vận động quần chúng"),
    ),
    K.NEWSROOM: (
        ("Trưởng phòng Thời sự", "Phó Trưởng phòng Biên tập"),
        ("Phóng viên", "Biên tập viên"),
    ),
    K.OTHER: ((), ("Chuyên viên", "Cán bộ")),
}
POSITION_OVERRIDES = {
    BORDER_GUARD: ((), ("Trợ lý tuyên truyền", "Trợ lý dân vận", "Trợ lý Phòng Chính trị")),
    f"Công an {PROVINCE}": (("Phó Trưởng phòng",), ("Cán bộ", "Cán bộ Phòng Tham mưu")),
    f"Bộ Chỉ huy Quân sự {PROVINCE}": ((), ("Trợ lý tuyên huấn", "Trợ lý dân vận")),
    **{name: ((), ("Phóng viên thường trú",)) for name in CORRESPONDENTS},
}

# Word lists are space-separated strings.
#: family names and how common they are (per cent, roughly, on the south-central coast)
FAMILY_NAMES = (
    "Nguyễn Trần Lê Phạm Huỳnh Võ Phan Hoàng Vũ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Đinh Mai Cao Châu "
    "Lương"
)
FAMILY_WEIGHTS = (30, 10, 9, 6, 5, 5, 4, 3, 2, 3, 3, 2, 3, 2, 2, 1, 2, 1, 1, 1, 1, 1)
#: Raglai family names common in Khánh Sơn and Khánh Vĩnh
HIGHLAND_FAMILY_NAMES = ("Mấu", "Bo Bo", "Pi Năng", "Katơ", "Cao")

#: middle names: (the usual one and how often it is used, the others); four-word names add a
#: second middle name from the last list, as in "Nguyễn Thị Thu Hà" or "Trần Ngọc Minh Quân"
MALE_MIDDLE = ("Văn", 0.3, "Hữu Đức Minh Quốc Thanh Ngọc Công Xuân Tấn Quang Đình Hoàng")
FEMALE_MIDDLE = ("Thị", 0.4, "Ngọc Thu Thanh Minh Bảo Hoài Kim Mỹ Phương Thùy Diệu")
MALE_MIDDLE_2 = (0.1, "Minh Anh Quốc Thanh Duy Gia Bảo Hoàng Nhật")
FEMALE_MIDDLE_2 = (0.35, "Thu Hồng Thanh Ngọc Kim Mỹ Phương Thùy Diệu Bích Quỳnh Thảo Khánh")

MALE_GIVEN = (
    "An Anh Bảo Bình Cường Dũng Duy Đạt Đông Hải Hậu Hiếu Hòa Hoàng Hùng Huy Khánh Khoa Kiên "
    "Lâm Long Lộc Luân Minh Nam Nghĩa Nhân Phong Phúc Phước Quân Quang Sơn Tài Tâm Thắng Thành "
    "Thịnh Thông Tiến Toàn Trí Trung Tuấn Tùng Việt Vinh Vũ"
)
FEMALE_GIVEN = (
    "An Anh Bích Châu Chi Diễm Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hồng Huyền Hương Lan "
    "Liên Linh Loan Mai My Nga Ngân Nhung Oanh Phương Quyên Tâm Thảo Thủy Trang Trinh Uyên Vân "
    "Vy Xuân Yến"
)

#: Vietnamese mobile prefixes (Viettel, VinaPhone, MobiFone, Vietnamobile)
MOBILE_PREFIXES = (
    "086 096 097 098 032 033 034 035 036 037 038 039 "
    "088 091 094 081 082 083 084 085 "
    "089 090 093 070 076 077 078 079 092 056 058"
)
#: reserved example domains: the demo never mails a real address
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

#: the app's own check-in code letters (no 0/O, 1/I/L)
CHECKIN_ALPHABET = storage.CHECKIN_ALPHABET

#: reasons given for an excused absence (vắng có phép) in the reference course
EXCUSE_REASONS = [
    "Họp đột xuất tại đơn vị",
    "Trực chỉ huy theo lịch",
    "Ốm, có giấy của cơ sở y tế",
    "Đi công tác theo quyết định của thủ trưởng",
    "Tham gia công tác phòng, chống thiên tai tại địa phương",
]
