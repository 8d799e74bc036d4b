"""The typed catalogue: the single source of truth for every field.

Each field's Chinese label is its `title`; validation messages, templates, the
change report and exports read labels from here (see `label()`), never from a
second list.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import typing
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .schema import inner_model
from .text import clean
from .urls import site_origin

CODE_PATTERN = r"^[A-Za-z0-9-]+$"
VILLAGE_CODE_PATTERN = r"^\d{12}$"


def town_code(village_code: str) -> str:
    """The town's (镇/街道) 9-digit code: the first 9 digits of a village's 12-digit code."""
    return village_code[:9]

TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")

ITEM_TYPES = ("公共服务", "行政许可", "行政确认", "行政给付", "行政裁决", "其他行政权力", "便民服务")
# The policy's 13 service categories, in the order the policy lists them; station
# pages group items in this order.
CATEGORIES = (
    "养老保险", "医疗保险", "民政服务", "社会救助", "卫生健康服务", "就业创业服务", "退役军人事务",
    "老年人优待", "残疾人帮扶", "惠农政策落实", "法律顾问及纠纷调解", "出具有关证明", "水电气暖费用收缴",
)
CASE_TYPES = ("即办件", "承诺件")
BADGES = ("党员先锋岗", "模范示范岗")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Length limits, from the sample's longest values with headroom (measured over content/:
# names ≤ 37 characters, one-line texts ≤ 79, paragraphs ≤ 216). A value far longer is a
# mistake (a pasted document, a missing line break) that would stretch pages, posters and
# QR labels; the limit is in the type, so messages and spreadsheet/CMS tools read it here.
NAME_MAX, LINE_MAX, PARA_MAX = 60, 200, 1000
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]  # people, places, item names: headings
Text = Annotated[str, Field(min_length=1, max_length=LINE_MAX)]  # one line: addresses, laws, sources
Para = Annotated[str, Field(min_length=1, max_length=PARA_MAX)]  # a paragraph: conditions, answers, notes
OptName = Annotated[str, Field(max_length=NAME_MAX)] | None
OptText = Annotated[str, Field(max_length=LINE_MAX)] | None
OptPara = Annotated[str, Field(max_length=PARA_MAX)] | None

# A phone number residents can dial (also written into tel: links): a landline with its
# area code (0533-4180001), a mobile (13912345678), a service number (12345, 95598) or
# a 400/800 number. ASCII digits and hyphens only ([0-9]: \d would take full-width digits).
# The sample content has 0533-xxxxxxx and 12345.
PHONE_PATTERN = r"^(0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?|1[3-9][0-9]{9}|1[0-9]{4}|9[56][0-9]{3}|[48]00-?[0-9]{3}-?[0-9]{4})$"
Phone = Annotated[str, Field(pattern=PHONE_PATTERN, examples=["0533-4180001", "13912345678", "12345"])]
# The nationwide service numbers (12345, 12333, 12348, 95598 ...) are real even in sample content;
# every other number of a sample district is invented and is marked wherever it is shown.
SERVICE_NUMBER = re.compile(r"^(1[0-9]{4}|9[56][0-9]{3})$")


class FieldError(ValueError):
    """A rule across fields, blamed on the one field an administrator should change."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Record(BaseModel):
    """Base for every catalogue record: unknown keys are errors, never dropped."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _text(cls, value, info):
        # every text of every record, from any surface: line breaks normalised, hidden controls refused;
        # a nested record cleans its own fields (so an error names the field inside it)
        shape = _record_shape(cls, info.field_name)
        return value if shape == "records" else clean(value, keys_only=shape == "keys")


# --------------------------------------------------------------------------- items


class LegalBasis(Record):
    law: Text = Field(title="法律法规名称", description="法律法规或文件全称，带书名号，如《社会救助暂行办法》")
    article: Text = Field(title="条款", description="具体条款，如 第二十七条；整部文件适用时可不填")


class Material(Record):
    name: Text = Field(title="材料名称", description="材料的规范名称，如 居民身份证")
    form: Literal["原件", "复印件", "原件和复印件"] = Field(title="材料形式", description="原件、复印件或原件及复印件")
    copies: int = Field(1, ge=1, le=20, title="份数", description="需要几份；原件只核验不收取的写 1")
    required: bool = Field(True, title="是否必需", description="所有申请人都必须提供时打开；只在某些情况下需要时关闭，并写明情形")
    condition: OptText = Field(None, title="需提供的情形", description="只有非必需材料才写：什么情况下要交")
    source: Text = Field(title="来源", description="材料从哪里来：申请人自备，或由哪个部门出具")
    notes: OptPara = Field(None, title="备注", description="对这份材料的补充说明，如 需本人签字")

    @model_validator(mode="after")
    def _condition(self) -> Material:
        if not self.required and not self.condition:
            raise FieldError("required", "非必需材料须写明需提供的情形（condition）")
        if self.required and self.condition:
            raise FieldError("condition", "必需材料不应填写“需提供的情形”；如只在某些情形下需要，请设 required: false")
        return self


class Step(Record):
    name: Name = Field(title="环节", description="环节名称，如 受理、审核、办结")
    detail: Para = Field(title="办理说明", description="这一步谁做什么、要多久")


class Fee(Record):
    name: Name = Field(title="收费项目", description="收费项目名称，如 工本费")
    amount: Text = Field(title="收费标准", description="如 免费、每本 10 元；按国家或省定标准填写")
    basis: Text = Field(title="收费依据", description="收费依据的文件名称和文号")


class Online(Record):
    available: bool = Field(title="可网上办理", description="可以在网上申请办理时打开")
    url: str | None = Field(None, title="网上办理入口", description="网上办理入口的网址（https:// 开头，域名须在全区允许的域名之内）")

    @model_validator(mode="after")
    def _url(self) -> Online:
        if self.available and not self.url:
            raise FieldError("available", "可网上办理的事项须填写网上办理入口（url）")
        if not self.available and self.url:
            raise FieldError("url", "不可网上办理的事项不应填写网上办理入口")
        return self


class Proxy(Record):
    available: bool = Field(title="可帮办代办", description="服务站可以代群众跑腿、代为申请时打开")
    home_visit: bool = Field(False, title="可上门服务", description="对行动不便的老年人、残疾人等可以上门服务时打开")
    note: OptPara = Field(None, title="帮办代办说明", description="帮办代办的具体做法，如 代收材料后 3 个工作日内报送")


class Question(Record):
    q: Text = Field(title="问题", description="群众的问题，用群众的话写")
    a: Para = Field(title="解答", description="解答，按政策原文，写清楚怎么办")


# A source's link: an https address with a host, nothing a page could misread as markup; its host
# must be on district.source_domains (validate.py parses it as a browser does).
SOURCE_URL_PATTERN = r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s\"'<>]*)?$"


class Source(Record):
    """Where a fact of the guide was checked: an act, a normative document or an official page."""

    title: Text = Field(title="依据名称", description="法律法规、规范性文件或官方网页的名称，如《社会保险经办条例》")
    number: OptText = Field(None, title="文号", description="如 国务院令第765号、国办发〔2018〕72号；没有文号的写网址")
    url: str | None = Field(None, title="网址", max_length=LINE_MAX, pattern=SOURCE_URL_PATTERN,
                            description="官方网页地址（https:// 开头，域名在 source_domains 之内），页面上显示为链接")
    checked: dt.date = Field(title="核对日期", description="最近一次对照这一来源核对的日期")

    @model_validator(mode="after")
    def _ref(self) -> Source:
        if not self.number and not self.url:
            raise FieldError("number", "来源须写文号或网址，至少一项")
        return self


# A file under content/files/ (a sample result, a blank or sample form): a plain file name, no folder,
# of a kind a phone or a station PC opens and prints. Published at /files/<name>.
ATTACHMENT_PATTERN = r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff._（）()-]{0,80}\.(pdf|png|jpg|jpeg|docx|xlsx)$"
Attachment = Annotated[str, Field(pattern=ATTACHMENT_PATTERN, max_length=90,
                                  description="content/files/ 下的文件名（PDF、图片、Word 或 Excel），如 残疾人证样本.jpg")]
AUDIENCES = ("个人", "法人", "其他组织")
HANDLING = ("窗口办理", "网上办理", "快递申请", "帮办代办", "上门办理")
DELIVERY = ("窗口领取", "服务站代领转交", "邮寄送达", "电子证照", "无需送达")


class Outcome(Record):
    """审批结果: what the resident receives at the end (a certificate, a written decision, a payment)."""

    name: Name = Field(title="审批结果名称", description="群众最后拿到的东西，如 残疾人证、审核确认结果通知、待遇按月发放")
    sample: Attachment | None = Field(None, title="审批结果样本", description="样本图片或 PDF：在编辑器里上传（PDF、PNG、JPG），或放在 content/files/ 下")


class Form(Record):
    """申请表格: a form to fill in, blank (空表) and filled in as an example (样表)."""

    name: Name = Field(title="表格名称", description="如 最低生活保障申请书")
    blank: Attachment | None = Field(None, title="空表", description="未填写的表格文件：在编辑器里上传（PDF、PNG、JPG），或放在 content/files/ 下，如 低保申请书.pdf")
    sample: Attachment | None = Field(None, title="样表（填写示例）", description="填好的示例：在编辑器里上传（PDF、PNG、JPG），或放在 content/files/ 下")

    @model_validator(mode="after")
    def _some_file(self) -> Form:
        if not self.blank and not self.sample:
            raise FieldError("blank", "申请表格须至少有空表（blank）或样表（sample）之一")
        return self


class Item(Record):
    """一个事项：全市统一的要素（名称、编码、类型、依据、层级、条件、材料、时限、收费）。"""

    code: str = Field(title="事项编码", pattern=CODE_PATTERN, max_length=40,
                      description="字母、数字和连字符；它是网址的一部分，发布后不要更改")
    name: Name = Field(title="事项名称", description="事项的规范名称，与全省事项目录一致")
    item_type: Literal[ITEM_TYPES] = Field(title="事项类型", description="事项类型，按全省事项目录填写")
    category: Literal[CATEGORIES] = Field(title="服务类别", description="政策列出的 13 类服务之一，服务站页面按它分组")
    exploratory: bool = Field(False, title="探索赋权事项", description="属于探索赋权（先行试点）的事项时打开")
    legal_bases: list[LegalBasis] = Field(title="设定依据",
                                          description="设定本事项的法律、法规、规章或规范性文件，每条写名称（带书名号）和条款", min_length=1)
    level: Text = Field(title="行使层级", description="行使层级：本事项由哪一级办理（村级受理、镇级或区级审批等）")
    department: Text = Field(title="实施主体", description="依法实施本事项的部门全称，如 博山区民政局；服务站只负责受理或帮办时也写实施部门")
    # the item's code in 山东政务服务网's implementation list, where the district has confirmed it
    impl_code: str | None = Field(None, title="实施编码",
                                  description="山东政务服务网上的实施编码，有就填，便于核对", pattern=r"^[0-9A-Za-z-]{6,60}$")
    conditions: list[Para] = Field(title="受理条件", description="谁可以申请、要满足什么条件；每条一句，按政策原文概括", min_length=1)
    materials: list[Material] = Field(default_factory=list, title="申请材料",
                                      description="申请人要带的全部材料，一次告知：名称、原件或复印件、份数、从哪里来")
    no_materials: bool = Field(False, title="无需提交材料", description="确实不需要任何材料时打开，申请材料须为空")
    process: list[Step] = Field(title="办理流程", description="办理环节，按先后顺序，每步写清谁做什么", min_length=1)
    # Only a law, regulation or rule sets a legal limit; without one the guide says 无法定时限.
    legal_limit_days: int | None = Field(None, title="法定办结时限",
                                         description="法律法规规定的办结时限（天数，单位见下一项）；没有规定的不填", ge=0, le=365)
    legal_limit_unit: Literal["工作日", "日"] = Field("工作日", title="法定时限计算单位", description="法定时限按工作日还是自然日（含节假日）计算")
    legal_limit_basis: OptText = Field(None, title="法定时限依据",
                                       description="规定法定办结时限的文件和条款；填了法定办结时限就必须填写", min_length=1)
    promised_limit_days: int = Field(title="承诺办结时限（工作日）",
                                     description="承诺件承诺的办结时限（工作日），不能长于法定时限；即办件填 0", ge=0, le=365)
    case_type: Literal[CASE_TYPES] = Field(title="办件类型", description="即办件：当场办结；承诺件：需审核，在承诺时限内办结")
    fees: Literal["不收费"] | list[Fee] = Field(title="收费情况", description="不收费写“不收费”；收费时每项一条：项目、标准、依据")
    visits: int = Field(title="到办事现场次数", description="办成这件事群众最多要到现场几次（0 表示全程网办）", ge=0, le=5)
    online: Online = Field(title="网上办理", description="能否在网上办理，以及网上办理入口")
    proxy: Proxy = Field(title="帮办代办", description="是否可以由服务站帮办代办、上门服务")
    phone: Phone = Field(title="咨询电话", description="实施部门的咨询电话；服务站页面另显示服务站电话")
    faq: list[Question] = Field(default_factory=list, title="常见问题", description="群众常问的问题和解答，一问一答")
    aliases: list[Name] = Field(default_factory=list, title="俗称（搜索用）",
                                description="群众常说的叫法（如 低保、养老金），只用于搜索，不在页面显示")
    audience: list[Literal[AUDIENCES]] = Field(default_factory=list, title="服务对象",
                                                description="谁可以申请：个人、法人、其他组织（可多选）")
    handling: list[Literal[HANDLING]] = Field(default_factory=list, title="办理形式",
                                              description="窗口办理、网上办理、快递申请、帮办代办、上门办理（可多选）")
    outcome: Outcome | None = Field(None, title="审批结果", description="办完后群众拿到什么")
    delivery: list[Literal[DELIVERY]] = Field(default_factory=list, title="结果送达方式",
                                              description="结果怎样到群众手里：窗口领取、服务站代领转交、邮寄送达、电子证照（可多选）")
    forms: list[Form] = Field(default_factory=list, title="申请表格", description="可下载打印的空表和样表")
    updated: dt.date = Field(title="更新日期", description="本指南内容最后一次修改的日期（改了事实才改它）")
    # the facts' provenance: guides check warns when reviewed is missing or older than district.review_months
    sources: list[Source] = Field(default_factory=list, title="核对来源",
                                  description="核对本指南政策事实所依据的文件或官方网页，页面“依据”处显示")
    reviewed: dt.date | None = Field(None, title="核对日期",
                                     description="最近一次逐项核对本指南政策事实的日期（不是改字的日期）")

    @model_validator(mode="after")
    def _rules(self) -> Item:
        if not self.materials and not self.no_materials:
            raise FieldError("materials", "申请材料为空：如确实无需材料，请写 no_materials: true")
        if self.materials and self.no_materials:
            raise FieldError("no_materials", "已写 no_materials: true，申请材料应为空")
        if (self.case_type == "即办件") != (self.promised_limit_days == 0):
            raise FieldError("promised_limit_days", "即办件的承诺办结时限应为 0；承诺件的承诺办结时限应大于 0")
        if self.legal_limit_days is None:
            if self.legal_limit_basis:
                raise FieldError("legal_limit_basis", "未填写法定办结时限（legal_limit_days），不应填写法定时限依据")
            if self.legal_limit_unit != "工作日":
                raise FieldError("legal_limit_unit", "未填写法定办结时限（legal_limit_days），不应填写计算单位")
            return self
        if not self.legal_limit_basis:
            raise FieldError("legal_limit_days",
                             "填写了法定办结时限，须写明设定该时限的法律法规及条款（legal_limit_basis）；"
                             "没有法律法规规定的，删除 legal_limit_days，页面显示“无法定时限”")
        # a limit in calendar days (日) holds at most 5 working days in every 7
        ceiling = self.legal_limit_days if self.legal_limit_unit == "工作日" else self.legal_limit_days * 5 // 7
        if self.promised_limit_days > ceiling:
            raise FieldError(
                "promised_limit_days",
                f"承诺办结时限（{self.promised_limit_days} 个工作日）不能超过法定办结时限（{self.legal_limit_text}）",
            )
        return self

    @property
    def legal_limit_text(self) -> str | None:
        """The legal limit as a guide states it: 20 个工作日 / 7 日 / None (no legal limit)."""
        if self.legal_limit_days is None:
            return None
        if self.legal_limit_unit == "日":
            return f"{self.legal_limit_days} 日"
        return f"{self.legal_limit_days} 个工作日" if self.legal_limit_days else "当场办结"

    @field_validator("fees", mode="before")
    @classmethod
    def _fees(cls, v):
        if isinstance(v, list) and not v:
            raise ValueError("收费情况为空：不收费请写 fees: 不收费")
        return v


# ------------------------------------------------------------------------- stations


def _time_ranges(ranges: list[str]) -> list[str]:
    last_end = -1
    for r in ranges:
        m = TIME_RANGE.match(r)
        if not m:
            raise ValueError(f"时间段“{r}”格式应为 HH:MM-HH:MM，例如 08:30-12:00")
        h1, m1, h2, m2 = map(int, m.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            raise ValueError(f"时间段“{r}”结束时间应晚于开始时间")
        if start < last_end:
            raise ValueError(f"时间段“{r}”与前一时间段重叠或顺序颠倒")
        last_end = end
    return ranges


class Hours(Record):
    mon: list[str] = Field(title="周一", description="每段写成 08:30-12:00，按时间先后；休息日不填")
    tue: list[str] = Field(title="周二", description="每段写成 08:30-12:00，按时间先后；休息日不填")
    wed: list[str] = Field(title="周三", description="每段写成 08:30-12:00，按时间先后；休息日不填")
    thu: list[str] = Field(title="周四", description="每段写成 08:30-12:00，按时间先后；休息日不填")
    fri: list[str] = Field(title="周五", description="每段写成 08:30-12:00，按时间先后；休息日不填")
    sat: list[str] = Field(title="周六", description="每段写成 08:30-12:00，按时间先后；休息日不填")
    sun: list[str] = Field(title="周日", description="每段写成 08:30-12:00，按时间先后；休息日不填")
    holiday_note: OptText = Field(None, title="节假日安排", description="如 法定节假日休息，按国务院办公厅通知调整")

    _check = field_validator(*WEEKDAYS)(classmethod(lambda cls, v: _time_ranges(v)))


class Staff(Record):
    name: Name = Field(title="姓名", description="工作人员姓名，在公示栏和页面公示")
    role: Name = Field(title="职务", description="职务，如 服务站站长、代办员")
    window: Name = Field(title="窗口", description="负责的窗口，如 综合窗口")
    badge: Literal[BADGES] | None = Field(None, title="示范岗", description="党员先锋岗或模范示范岗（如有）")
    phone: Phone | None = Field(None, title="联系电话", description="工作人员的工作电话（可不填）")


class ItemSelection(Record):
    set: str | None = Field(None, title="默认事项清单", description="区里定义的清单名称；不用清单时留空并填写事项编码",
                            json_schema_extra={"refers": "item_set"})
    codes: list[str] = Field(default_factory=list, title="事项编码",
                             description="不用清单时，逐个列出本站办理的事项编码", json_schema_extra={"refers": "item"})
    add: list[str] = Field(default_factory=list, title="增加事项",
                           description="在清单之外本站另外办理的事项编码", json_schema_extra={"refers": "item"})
    remove: list[str] = Field(default_factory=list, title="减少事项",
                              description="清单中本站不办理的事项编码", json_schema_extra={"refers": "item"})

    @model_validator(mode="after")
    def _one_source(self) -> ItemSelection:
        if bool(self.set) == bool(self.codes):
            raise FieldError("set", "事项应写默认清单（set）或事项编码列表（codes），二者选一")
        return self


class LocalNote(Record):
    window: OptName = Field(None, title="办理窗口", description="本站办理这一事项的窗口")
    proxy_person: OptName = Field(None, title="帮办代办员", description="本站负责帮办代办这一事项的人")
    note: OptPara = Field(None, title="本站说明", description="只对本站适用的说明，如 每月 5 日集中报送")


class Partner(Record):
    name: Name = Field(title="便民服务点名称", description="写成“XX便民服务点”", pattern=r"便民服务点$")
    host: Literal["邮政", "银行", "商超", "其他"] = Field(title="合作网点类型", description="与哪类机构合办：邮政、银行、商超等")
    address: Text = Field(title="地址", description="便民服务点地址")
    hours: Text = Field(title="服务时间", description="便民服务点实际服务时间，如 周一至周五 08:30-17:00")
    phone: Phone | None = Field(None, title="联系电话", description="便民服务点联系电话")
    items: list[str] = Field(title="可办事项",
                             description="在便民服务点可以办理的事项编码", min_length=1, json_schema_extra={"refers": "item"})


class Checklist(Record):
    """六有一能."""

    place: bool = Field(title="有场所", description="有固定的办公场所（党群服务中心内）时勾选")
    staff: bool = Field(title="有人员", description="有专职或兼职工作人员时勾选")
    rules: bool = Field(title="有制度", description="有首问负责、一次告知、限时办结等制度并公示时勾选")
    network: bool = Field(title="有网络", description="能上网，可登录政务服务网办理时勾选")
    equipment: bool = Field(title="有设备", description="有电脑、打印机、高拍仪等设备时勾选")
    funding: bool = Field(title="有经费", description="有运行经费保障时勾选")
    capable: bool = Field(title="能办事", description="工作人员会办清单中的事项时勾选")


class Station(Record):
    code: str = Field(title="村（社区）区划代码", pattern=VILLAGE_CODE_PATTERN,
                      description="12 位统计用区划代码；它是网址的一部分，发布后不要更改")
    division: Name = Field(title="区划名称", description="统计用区划名称，与区划代码对应，如 安上村委会")
    name: Name = Field(title="服务站名称", description="按规定写成“XX村便民服务站”或“XX社区便民服务站”")
    kind: Literal["村", "社区"] = Field(title="类型", description="村或社区，决定服务站名称的写法")
    address: Text = Field(title="地址", description="服务站所在地址，写到楼层，如 XX村党群服务中心一楼")
    phone: Phone = Field(title="服务站电话", description="服务站值班电话，群众可直接拨打")
    hours: Hours = Field(title="办公时间", description="每天的办公时间段；休息日不填")
    staff: list[Staff] = Field(title="工作人员", description="公示的窗口工作人员", min_length=1)
    complaint_box: Text = Field(title="投诉箱位置", description="投诉箱放在哪里，如 服务站门口")
    items: ItemSelection = Field(title="可办事项", description="本站办理的事项：选用区里的清单，再增减个别事项")
    local_notes: dict[str, LocalNote] = Field(default_factory=dict, title="事项本站说明",
                                              description="只对本站适用的事项说明、窗口和帮办代办员")
    partners: list[Partner] = Field(default_factory=list, title="便民服务点", description="与邮政、银行、商超合办的便民服务点")
    checklist: Checklist = Field(title="六有一能", description="六有一能：按实际情况勾选，评估报告据此统计")


# ------------------------------------------------------------------------- district


class Portal(Record):
    name: Name = Field(title="网上办事门户名称", description="如 山东政务服务网")
    url: str = Field(title="网上办事门户地址",
                     description="门户首页地址（https:// 开头）", pattern=r"^https://")  # allow-list: validate.py


class Repealed(Record):
    """A legal basis the district has marked repealed: every item citing it is flagged."""

    title: Text = Field(title="文件名称", description="与事项“设定依据”或“核对来源”中写法一致，如《社会救助暂行办法》")
    number: OptText = Field(None, title="文号", description="文件文号")
    date: dt.date | None = Field(None, title="废止或失效日期", description="文件废止或失效的日期")
    replaced_by: OptText = Field(None, title="替代文件", description="取代它的新文件名称（如有）")


class Town(Record):
    code: str = Field(title="镇（街道）代码", description="9 位镇（街道）统计用区划代码", pattern=r"^\d{9}$")
    name: Name = Field(title="镇（街道）名称", description="镇（街道）全称，如 城东街道")


class Elsewhere(Record):
    """A common need that no station handles (婚姻登记, 居民身份证 …): where a resident goes instead.
    Station search answers these queries with it, and it has its own page /elsewhere/<code>/."""

    code: str = Field(title="编码", pattern=r"^[a-z][a-z0-9-]{1,39}$",
                      description="小写字母、数字和连字符，如 hunyin；是网址 /elsewhere/编码/ 的一部分，发布后不要更改")
    name: Name = Field(title="事项", description="如 婚姻登记（结婚、离婚、补领结婚证）")
    keywords: list[Name] = Field(title="常用说法（搜索用）", min_length=1, description="群众会怎么说，如 结婚、领证、身份证丢了")
    office: Text = Field(title="办理机构", description="真实的机构名称，如 博山区民政局婚姻登记处")
    address: OptText = Field(None, title="地址", description="不确定就不写：页面会请群众先打电话确认")
    hours: OptText = Field(None, title="办公时间", description="机构公布的办公时间，如 周一至周五 09:00-17:00；不确定就不写")
    phone: Phone = Field(title="咨询电话", description="机构公布的电话；没有就写 12345")
    note: OptPara = Field(None, title="说明", description="办理前要知道的事，如 须本人到场")


class District(Record):
    name: Name = Field(title="区县名称", description="区县全称，如 博山区")
    # a district (6 digits) publishes its own stations; a city (4 digits) can publish all of its districts'
    code: str = Field(title="区县代码", description="区县的 6 位行政区划代码（或其前 4 位）", pattern=r"^\d{4}(\d{2})?$")
    city: Name = Field(title="所属市", description="所属地级市全称，如 淄博市")
    site_url: str = Field(title="网站地址",
                          description="网站正式地址（https:// 开头），二维码指向这里，印出后不要更改", pattern=r"^https://")  # an https origin: urls.site_origin
    supervision_hotline: Phone = Field(title="监督举报电话", description="监督举报电话，每个服务站页面和公示栏都会显示")
    citizen_hotline: Phone = Field("12345", title="政务服务便民热线", description="政务服务便民热线，一般为 12345")
    portal: Portal = Field(title="网上办事门户", description="全区统一的网上办事门户（如 山东政务服务网），页面底部显示")
    online_domains: list[Text] = Field(title="网办链接允许的域名",
                                       description="网上办理入口只能指向这些域名（及其子域名），防止误填或被篡改的链接", min_length=1)
    sample_data: bool = Field(False, title="示例数据", description="示例数据时打开：页面标明“示例”，不得张贴打印件")
    sample_notice: OptPara = Field(None, title="示例数据说明", description="示例数据时页面顶部显示的说明")
    towns: list[Town] = Field(title="镇（街道）", description="全区各镇（街道）的 9 位代码和名称；服务站文件按镇街代码分文件夹存放", min_length=1)
    item_sets: dict[str, list[str]] = Field(default_factory=dict, title="默认事项清单",
                                            description="有名称的事项清单（如 村、社区），服务站可直接选用，再增减个别事项")
    source_domains: list[Text] = Field(["gov.cn"], title="来源链接允许的域名", min_length=1,
                                       description="核对来源的网址只能指向这些域名（及其子域名），默认政府网站 gov.cn")
    review_months: int = Field(12, ge=1, le=60, title="政策核对周期（月）",
                               description="事项超过这么多个月未核对，guides check 警告，评估报告列出")
    repealed: list[Repealed] = Field(default_factory=list, title="已废止的依据",
                                     description="列入的文件，凡引用它的事项都会被标出")
    elsewhere: list[Elsewhere] = Field(default_factory=list, title="不在服务站办理的常见事项",
                                       description="搜索这些事时，告诉群众到哪里办、什么时间、打什么电话")

    def sample_phone(self, number: str | None) -> bool:
        """Whether a number shown on a page is invented sample data (see SERVICE_NUMBER)."""
        return bool(self.sample_data and number and not SERVICE_NUMBER.match(number))

    @field_validator("elsewhere")
    @classmethod
    def _elsewhere_codes(cls, v: list[Elsewhere]) -> list[Elsewhere]:
        codes = [e.code for e in v]
        if len(set(codes)) != len(codes):
            raise ValueError("编码重复：" + "、".join(sorted({c for c in codes if codes.count(c) > 1})))
        return v

    @field_validator("site_url")
    @classmethod
    def _origin(cls, v: str) -> str:
        # written into every page, QR code and print: only a well-formed https origin, normalised
        return site_origin(v)


# ------------------------------------------------------------------ retirements


class Retirement(Record):
    """An item or station taken out of service. Its printed URLs keep working:
    a tombstone page says what happened, or, with a successor, a permanent redirect."""

    code: str = Field(title="编码", pattern=CODE_PATTERN)
    name: Name = Field(title="名称")
    date: dt.date = Field(title="停用日期")
    reason: Para = Field(title="原因")
    successor: str | None = Field(None, title="更名或合并后的新编码", pattern=CODE_PATTERN)


class Retired(Record):
    items: list[Retirement] = Field(default_factory=list, title="停用的事项")
    stations: list[Retirement] = Field(default_factory=list, title="停用的服务站")


# ---------------------------------------------------------------------- labels


def label(model: type[BaseModel], loc: tuple) -> str:
    """Chinese label path for a location inside a record, e.g. 申请材料[3].份数."""
    parts: list[str] = []
    current: object = model
    for key in loc:
        if isinstance(key, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key + 1}]"]
            continue
        fields = getattr(current, "model_fields", None)
        if fields is not None and key in fields:
            info = fields[key]
            parts.append(info.title or str(key))
            current = inner_model(info.annotation)
        else:
            # a dict key (an item code in local_notes) or an unknown field
            parts.append(str(key))
    return ".".join(parts)


@functools.cache
def _record_shape(model: type[BaseModel], name: str) -> str:
    """How a field's raw value is cleaned: "records" (a record, a list of records: their own models
    clean them), "keys" (a dict of records: its keys here) or "values" (text, lists and maps of text,
    and the value branch of a value-or-records union such as 收费情况)."""
    annotation = model.model_fields[name].annotation
    inner = inner_model(annotation)
    if inner is None:
        return "values"
    if typing.get_origin(annotation) is dict:
        return "keys"
    if annotation is inner or all(a is inner or a is type(None) for a in typing.get_args(annotation)):
        return "records"
    return "values"


def field_labels(model: type[BaseModel]) -> dict[str, str]:
    return {name: (info.title or name) for name, info in model.model_fields.items()}
