"""The pattern tables behind question analysis and sentence fit, in Chinese and English.

Data, not logic: ``ASKS`` says how a question asks for a slot, ``FILLS`` how a sentence fills it.
retrieval/question.py reads the first, retrieval/sentences.py the second. Patterns are matched
case-insensitively; an English pattern is matched on the question as typed (not on stems).

Slots, in the order a question with several is led by (the first one found is the primary):
duration before count ("how many days" asks for a duration), the factual slots before yes/no
("Can we outsource it, and who is responsible then?" is answered by the body).
"""

from __future__ import annotations

SLOT_ORDER = ("duration", "date", "number", "article", "count", "money", "body", "place", "status", "list",
              "definition", "yesno")
# Slots whose answer is a number, a date, a name or a status a sentence either states or does not.
FACT_SLOTS = frozenset({"duration", "date", "number", "article", "count", "money", "body", "place", "status"})

ZH_DIGITS = "一二两三四五六七八九十百零〇"
_ZH_NUM = f"[{ZH_DIGITS}\\d]"

# The level of a hospital or research site asked for: "什么级别的医院", "which grade of hospital".
_INSTITUTION_LEVEL = (r"(?:医院|医疗机构|研究机构|机构|研究中心)[^，。？?]{0,8}(?:什么级别|哪一?级|几级|等级)|"
                      r"(?:什么级别|哪一?级|几级|什么等级)的?(?:医院|医疗机构|研究机构|机构)|"
                      r"\b(?:what|which) (?:level|grade|tier|class) of (?:hospital|institution|medical institution|"
                      r"research site|site)s?\b|\b(?:hospital|institution|site)s?\b.{0,40}\b(?:what|which) "
                      r"(?:level|grade|tier)\b")
ASKS: dict[str, dict[str, list[str]]] = {
    "duration": {
        "zh": [r"多久", r"多长时间", r"多长", r"几天", r"几日", rf"多少(?:个)?(?:工作日|自然日|天|日|小时|周|月|年)",
               r"几个(?:工作日|自然日|月|小时|星期|周)", r"几年", r"时限", r"期限", r"时间要求", r"截止(?!日期|日|[于到]?哪)", r"周期",
               r"有效期", r"保存(?:多|几)", r"多快", r"几小时", r"什么时间内", r"多少时间", r"截止时间(?!是(?:什么时候|哪天|几号))",
               r"频率", r"每隔多久", r"快(?:了)?(?:多少|几天)", r"(?:节省|省|缩短|提前)(?:了)?多少",
               r"(?:按|算)(?:自然日|工作日|日历日)"],
        "en": [r"\bhow long\b", r"\bhow (?:soon|quickly|fast|often)\b",
               r"\bhow many (?:calendar |working |business )?(?:days|weeks|months|years|hours)\b",
               r"\bdeadlines?\b", r"\btime ?limits?\b", r"\btimelines?\b", r"\bby when\b", r"\bwithin how\b",
               r"\bretain(?:ed)?\b", r"\bretention\b", r"\bclocks?\b", r"\bperiod\b", r"\bvalid for\b",
               r"\bhow much time\b", r"\bturnaround\b", r"\b(?:in|on|as) (?:calendar|working|business) days\b", r"\bwait\b", r"\bhow frequently\b", r"\bfrequency\b",
               r"\bhow (?:old|recent)\b"],
    },
    "date": {
        "zh": [r"何时", r"什么时候", r"哪天", r"哪一天", r"哪年", r"哪一年", r"几号", r"日期", r"施行(?:时间|日期)",
               r"起施行", r"(?:何时|哪天|什么时候).*(?:生效|施行)", r"从哪天", r"几月几日", r"截止日期", r"截止[于到]?哪"],
        "en": [r"\bwhen (?:did|does|was|were|is|will|do)\b", r"\bwhat date\b", r"\bwhich date\b", r"\bsince when\b",
               r"\b(?:take|took|taken|come|came) (?:effect|into force)\b", r"\beffective date\b", r"\bin force since\b",
               r"\bwhat year\b", r"\bfrom what date\b", r"\bfrom when\b", r"\bstart date\b"],
    },
    "number": {      # a document's number: 文号, Decree No., Notice 2022 No. 15
        "zh": [r"文号", r"编号", r"第几号", r"哪一?号", r"几号令", r"哪个(?:令|公告|通告|文件)", r"哪份(?:文件|公告|通告|指导原则)"],
        "en": [r"\bdocument number\b", r"\b(?:notice|decree|order|announcement|circular) (?:number|no)\b(?!\.?\s*\d)",
               r"\bwhich (?:decree|order|announcement|notice|circular)\b", r"\bnumber and date\b"],
    },
    "article": {     # which article of a rule says so
        "zh": [r"哪一?条", r"第几条", r"哪个条款", r"依据哪", r"根据哪", r"哪条规定", r"哪一?章", r"第几章", r"哪个章节"],
        "en": [r"\bwhich (?:article|provision|section|clause|chapter)\b", r"\bwhat (?:article|chapter)\b",
               r"\barticle number\b"],
    },
    "count": {
        "zh": [rf"几(?:名|个|位|人|项|条|种|轮|页|类|家|次|章|款|部分|节)", rf"多少(?:名|个|位|人|项|条|种|轮|页|类|家|次|委员|份|分|款|部分|章|节)",
               r"比例|百分之|几成|占多少",
               r"至少.{0,6}(?:几|多少)", r"人数", r"一共多少", r"共有多少", r"几成"],
        "en": [r"\bhow many\b(?! (?:calendar |working |business )?(?:days|weeks|months|years|hours)\b)",
               r"\bpercentage\b|\bshare of\b|\bproportion\b",
               r"(?<!document )(?<!decree )(?<!notice )\bnumber of\b", r"\bminimum (?:number|size)\b", r"\bat least\b", r"\bminimum\b", r"\bmin\b", r"\bhow big\b", r"\bsize of\b",
               r"\bwhat (?:score|percentage|share|proportion)\b", r"\bminimum .{0,30}\bsize\b"],
    },
    "money": {
        "zh": [r"罚款", r"罚多少", r"最高.{0,2}罚", r"处罚", r"(?:怎么|怎样|如何|会被|会怎么)罚", r"罚则", r"多少钱", r"多少.{0,4}费", r"费用?.{0,4}多少", r"收多少", r"收取多少", r"价格",
               r"手续费", r"收费标准", r"多少元", r"定价"],
        "en": [r"(?<!\bit )(?<!\bbe )(?<!\bis )\bfines?\b(?! (?:to|if)\b)",   # not "is it fine to ..."
               r"\bpenalt(?:y|ies)\b", r"\bhow much (?:is|are|does|do|did|will|money|they|we)\b",
               r"\bprices?\b", r"\bwhat (?:fee|fees|rate)\b", r"\b(?:review|filing|application|handling) fees?\b",
               r"\brate card\b", r"\bcost of\b", r"\bsanctions?\b", r"\bpunish|\bpenali[sz]", r"\bcharge per\b"],
    },
    "body": {
        "zh": [r"谁", r"哪个部门", r"哪一?(?:个|家|级)?(?:机构|部门|单位|主管部门)", r"哪一级", r"由哪", r"向哪", r"主管部门",
               r"审批部门", r"找哪", r"交给", r"报给", r"责任主体", r"归谁", _INSTITUTION_LEVEL],
        "en": [r"\bwho\b", r"\bwhom\b", r"\bwhich (?:authority|body|agency|department|committee|office|regulator|"
               r"ministry|role|person|level|institution|party)\b", r"\bwhat (?:authority|body|agency|level)\b",
               r"\bresponsible party\b", r"\bapproves?\?",
               _INSTITUTION_LEVEL],
    },
    "place": {
        "zh": [r"哪里", r"哪儿", r"在哪", r"哪个(?:系统|平台|网站)", r"什么(?:系统|平台|网站)", r"哪些城市", r"哪个城市",
               r"哪个表", r"哪张表", r"什么表", r"哪份",
               r"哪些(?:地区|省份|省市|省|地方)", r"哪几个(?:地区|省份|省市|省)"],
        "en": [r"\bwhere\b", r"\bwhich (?:system|platform|website|city|cities|form|regions?|provinces?|areas?|places?)\b",
               r"\bwhat (?:system|platform|form|regions?|provinces?)\b"],
    },
    "status": {      # whether a text binds: in force, a draft, superseded, a trial text
        "zh": [r"还有效|是否有效|有没有效力|效力|还算数|正式(?:版|施行|文件|的规定)|还适用|仍然适用|还能用|是不是(?:试行|草案|征求意见稿)|"
               r"废止|被取代|现行"],
        "en": [r"\bstill (?:in force|valid|apply|applies|the rule|binding|rely|use)\b|\bin force\b|\bbinding\b|"
               r"\bfinal (?:text|version)\b|\bstill a draft\b|\brepealed\b|\bsuperseded\b|\bcan we still\b|\bstill\b"],
    },
    "list": {
        "zh": [r"哪些", r"哪几", r"哪[两二三四五](?:个|项|种|类|方面|部分)", r"包括什么", r"包括哪", r"有什么(?:要求|条件|内容|规定)", r"什么(?:材料|手续|条件|资质|要求)",
               r"要办什么", r"办什么", r"需要做什么"],
        "en": [r"\bwhich (?:documents|approvals|materials|conditions|items|reviews|products|things|situations|sections|"
               r"steps|requirements)\b", r"\bwhat (?:documents|approvals|materials|conditions|reviews|sections|items|"
               r"requirements|things|steps|qualifications|situations)\b", r"\bwhat .{0,40}\b(?:contain|include|cover)\b",
               r"\blist\b", r"\bwhat must\b"],
    },
    "definition": {
        "zh": [r"什么是", r"是什么意思", r"是指什么", r"指的是什么", r"什么叫", r"含义", r"定义", r"是什么？?$"],
        "en": [r"^what (?:is|are) (?:a |an |the )?[\w\-() ]{2,60}\??$", r"\bdefin(?:e|ed|ition)\b",
               r"\bwhat does .{1,40} mean\b", r"\bmeaning of\b", r"\bwhat counts as\b", r"\bwhat kind of\b"],
    },
    "yesno": {
        "zh": [r"能否", r"是否", r"可否", r"可不可以", r"能不能", r"是不是", r"有没有", r"要不要", r"需不需要", r"算不算",
               r"还(?:能|可以)", r"可以.{0,30}吗", r"能.{0,30}吗", r"需要.{0,30}吗", r"要.{0,30}吗", r"吗[？?]?\s*$"],
        "en": [r"^(?:can|may|must|do|does|did|is|are|was|were|will|should|could|has|have|would)\b",
               r"\bdo (?:i|we|they) (?:need|have to)\b", r"\bis it (?:required|allowed|possible|binding)\b",
               r"\b(?:can|may|must) (?:we|i|a|an|the|our|they|participants|patients)\b"],
    },
}

_UNIT_EN = r"(?:calendar |working |business |natural )?(?:days?|weeks?|months?|years?|hours?|minutes?|min|h)\b"
FILLS: dict[str, list[str]] = {
    "duration": [rf"\d+(?:\.\d+)?\s*(?:个)?\s*(?:工作日|自然日|天|日|小时|分钟|周|个月|月|年)", rf"\d+(?:\.\d+)?[- ]?{_UNIT_EN}",
                 rf"{_ZH_NUM}+个?(?:工作日|自然日|天|日|小时|分钟|周|个月|月|年)", r"\b(?:one|two|three|four|five|six|seven|"
                 r"eight|nine|ten|twelve|thirty)[- ](?:calendar |working )?(?:day|week|month|year|hour|minute)s?\b",
                 r"立即|及时|即时|永久|immediately|promptly|without delay|permanently|no (?:national )?deadline|未见.{0,6}时限",
                 # a deadline set by an event: "在试验开始前备案", "before the trial starts"
                 r"(?:开始|启动|开展|实施|出境|提交|使用|入组)(?:之)?前|事先|事前|\bbefore (?:the )?[\w-]+(?: [\w-]+)? "
                 r"(?:starts?|begins?|is shipped|leaves)\b|\bin advance\b|\bprior to\b"],
    "date": [r"(?:19|20)\d\d-\d\d-\d\d", r"(?:19|20)\d\d\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?",
             r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December)"
             r" (?:19|20)\d\d\b", r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
             r"December) (?:\d{1,2}, )?(?:19|20)\d\d\b"],
    "count": [rf"(?<!第)\d+\s*(?:名|人|位|个|项|条|种|轮|页|家|次|份|分|%)", rf"(?<![第\d]){_ZH_NUM}+(?:名|人|位|项|种|轮|页|家)",
              r"\b\d+(?:\.\d+)?\s*(?:%|members?|persons?|people|items?|rounds?|pages?|sites?|products?|articles?|"
              r"chapters?|cities|points?|patients?|copies|per ?cent)", r"不少于|至少|不得少于|超过|以上|以下|\bat least\b|"
              r"\bno fewer than\b|\bmore than\b|\bup to\b|\bor more\b|\bminimum\b",
              r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\b"],
    "number": [r"〔\d{4}〕\s*\d+\s*号|第\s*\d+\s*号|\d{4}\s*年第\s*\d+\s*号|令第\s*\d+\s*号",
               r"\b(?:No\.|Order No\.?|Decree No\.?)\s*\d+|\b\d{4} No\. \d+"],
    "article": [rf"第[{ZH_DIGITS}\d]+[条章]", r"\bArt(?:icle)?s?\.?\s*\d+", r"\bChapter\s+(?:\d+|[IVX]+)\b"],
    "money": [r"(?:RMB|USD|CNY|US\$|¥|￥)\s*[\d,.]+", r"[\d,.]+\s*(?:万元|元|yuan|million|万)",
              r"\d+(?:\.\d+)?\s*%\s*(?:的)?\s*(?:handling fee|fee|手续费|管理费)|(?:fee|手续费)[^。.]{0,12}\d+(?:\.\d+)?\s*%",
              r"\btimes (?:the )?(?:illegal|fees|gains)|\d+\s*倍|倍以上", r"\b\d{1,3}(?:,\d{3})+\b"],
    "body": [r"委员会|部门|机构|中心|管理局|卫生健康委|卫健委|药监局|科技部|医院|申办者|研究者|负责人|主任|总监|经理|监查员|"
             r"\b(?-i:NHC|NMPA|CDE|MOST|NATCM|SAMR|CFDI|CFO|CEO|QA|PM|CRA|PI|DMB)\b",
             r"\b(?:committee|authority|administration|commission|department|ministry|sponsor|investigator|institution|"
             r"hospital|head of|lead|manager|director|officer|monitor|approved by|approver|applicant|council|bureau|owner|"
             r"reviewer|analyst|writer|statistician|associate|coordinator|controller|professionals?|physicians?|"
             r"legal person)\b", r"负责人|审批人|审核人|专员|主任|经理|总监|医师|专业人员|法人"],
    "place": [r"系统|平台|网站|网址|数据库|表单|\bF-[A-Z]{2,5}-\d{2}\b|\b(?:system|platform|website|portal|database|"
              r"register|registry|form|online)\b", r"https?://|www\.|\.(?:cn|org|gov)\b",
              r"北京|上海|广东|海南|\b(?:Beijing|Shanghai|Guangdong|Hainan)\b",
              r"[省市](?:、|和)|\b(?:provinces?|provincial-level regions?|municipalit(?:y|ies))\b"],
    "status": [r"(?:是|为|仅为|只是|属于|仍是|仍为|系)[^，。；]{0,8}(?:征求意见稿|草案)|现行有效|已被取代|被取代|废止|试行(?:文件|规定|版|文本)|没有约束力|无约束力|不具约束力|仍然适用|仍在适用|"
               r"从未生效|尚未施行|已经结束|已结束|不再适用",
               r"\b(?:in force|superseded|(?:a |consultation )draft|not binding|binding|still applies|never "
               r"(?:took effect|adopted)|replaced|has ended|no longer|treated as|(?:formally |been )?repeal(?:ed|s)?|revoked)\b"],
    "list": [r"、[^、。]+、|；[^；。]+；|;[^;.]+;", r"[（(][\d一二三四五六七八九十][）)].*[（(][\d一二三四五六七八九十][）)]",
             r",[^,.]+,[^,.]+\b(?:and|or)\b", r"\b[a-z]+(?: [a-z-]+){1,5}, (?:[a-z-]+ ){1,5}(?:and|or) [a-z-]+", r"以下|下列|\bthe following\b|[：:]\s*\S[^.。]*[,，、]"],
    "definition": [r"是指|指的是|即|称为|包括|须为|应为|应当是|必须是|\bmeans?\b|\brefers? to\b|\bis an?\b|\bare\b|"
                   r"\bdefined as\b|\bdefines\b|\b(?:must|shall|should) be\b",
                   r"是.{2,40}的"],
    "yesno": [r"不得|禁止|不能|不可|不允许|无需|无须|不需要|不必|不属于|不适用|须|必须|需要|需经|应当|应|可以|可|允许|方可|免除|"
              r"只能|仅",
              r"\b(?:may|must|shall|cannot|can|can't|required|requires?|need(?:s|ed)?|prohibit\w*|forbid\w*|bar(?:s|red)?|"
              r"allow\w*|permit\w*|only|exempt\w*|binding|not)\b", r"^(?:yes|no)\b"],
}

# A section headed as a definition ("1. What \"dual track\" means", "何为“双轨制”", "术语和定义",
# "释义"): its first sentence defines what the heading names, though it need not repeat the name.
DEFINING_HEADING = (r"定义|释义|含义|何为|何谓|什么是|是什么|什么叫|意思|\bdefinitions?\b|\bmeans?\b|\bmeaning\b|"
                    r"\bwhat (?:is|are)\b|\bdefined\b")
# What a definition question asks to define: "什么是立项", "细胞治疗双轨制是什么意思", "what is the dual-track
# system?", "what does 立项 mean?" ("what counts as starting ..." names no term).
DEFINIENDUM = [r"什么(?:是|叫)(?P<term>.+)", r"(?P<term>.+?)(?:是什么意思|是指什么|指的是什么|的含义|的定义|是什么)",
               r"\bwhat (?:is|are) (?:a |an |the )?(?P<term>.+?)\??$", r"\bwhat does (?P<term>.+?) mean\b",
               r"\bmeaning of (?P<term>.+)", r"\bdefin(?:e|ition of) (?P<term>.+)"]

# A price asked for ("What fee does NMPA charge ...?", "伦理审查收费多少？") is not stated by a fine:
# a penalty's amount fills a money question only when the question asks about penalties.
ASKS_PRICE = r"\bfees?\b|\bcosts?\b|\bcharges?\b|\bprices?\b|\bhow much does\b|费用|收费|收多少|价格|多少钱|报价"
ASKS_PENALTY = r"\bfines?\b|\bfined\b|\bpenalt|\bsanction|罚"
STATES_PENALTY = r"罚款|并处|处.{0,12}罚|没收|\bfined?\b|\bpenalt|\bconfiscat"

# Slots that, asked in the terms of STRONG_FILLS, only a strong fill answers: "which authority
# approves?" wants the authority named, not "the competent department".
STRONG_ONLY = frozenset({"body"})
# A date as a sentence writes it: an effective date is one standing next to the words for taking
# effect ("自 2019-07-01 起施行", "conducted after 2026-03-31"), not any date in a sentence that says
# "applies" ("Announcement 2025 No. 125, dated 2025-12-22, decides that China applies E6(R3)").
_DATE = r"(?:\d{4}-\d{2}-\d{2}|\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{1,2} \w+ \d{4}|\w+ \d{1,2}, \d{4})"
# A named regulator, not "the competent department" (acronyms in capitals: "weighs most" is not MOST).
_REGULATOR = (r"国家卫生健康委|卫健委|卫生健康主管部门|国家药监局|药监局|药审中心|科技部|国家中医药管理局|国务院|省级.{0,8}主管部门|"
              r"\b(?-i:NHC|NMPA|CDE|MOST|NATCM|SAMR|CFDI)\b|\b(?:National Health Commission|State Council)\b")
# What a regulator grants: a question about one of these that asks "who decides" wants the regulator
# ("折扣由谁审批" asks for a person in an SOP, so 审批 alone is not one).
_REGULATORY_ACT = (r"(?<![A-Za-z])(?:HGR|IND)(?![A-Za-z])|人类遗传资源|人遗|行政许可|出境|临床试验申请|\blicen[cs]es?\b|\bpermits?\b|"
                   r"\bexport\b|\bclinical trial application\b|\bmarketing (?:approval|authori[sz]ation)\b")
# (slot, question pattern, sentence pattern): the slot filled in the question's own terms.
STRONG_FILLS = [
    # a definition in the words of one: "本办法所称……是指", "X means ...", "is defined as"
    ("definition", r"", r"所称|是指|系指|指的是|\bmeans\b|\brefers? to\b|\b(?:is|are) defined as\b"),
    ("count", r"(?:几|多少)(?:个人|名|人|位)|how many (?:\w+ )?(?:members|people|persons)|committee size|\bsize\b",
     r"人数|名额|\bsize\b"),
    # a document's length in pages ("How long is the guideline?", "有多少页")
    ("count", r"\bpages?\b|\bhow long is\b|几页|多少页|篇幅", r"\d+\s*(?:pages?\b|页)"),
    ("date", r"施行|生效|适用|执行|哪天开始|何时开始|什么时候开始|effect|in ?to force|in force|apply|applies|effective|"
             r"follow|require|\bstart(?:ed|s)?\b",
     rf"{_DATE}.{{0,12}}(?:施行|生效|适用|实施|执行|起|effect|in force)|"
     rf"(?:施行|生效|适用|effect|in force|effective|appl(?:y|ies)|conducted after|from|since).{{0,30}}{_DATE}"),
    ("date", r"发布|印发|签署|issued|published|signed|dated", r"发布|印发|签署|issued|published|signed|dated"),
    ("date", r"截止|deadline|comment", r"截止|until|deadline|comment"),
    # "who regulates / which department approves": a named authority, not "the competent department"
    # ("who approves?" alone may ask for a person in an SOP: only words for a regulator count here)
    ("body", r"哪个部门|哪个机构|主管部门|归.{0,4}管|\bwho (?:regulates|oversees|administers)\b|"
             r"\bwhich (?:authority|agency|department|ministry|regulator)\b|\bcompetent authority\b", _REGULATOR),
    # "who decides / approves" a regulatory permission (an HGR approval, an IND, an export) asks
    # for the authority; "who approves discounts above 10%?" asks for a person and stays as it is
    ("body", rf"^(?=.*(?:{_REGULATORY_ACT})).*(?:\bwho (?:decides|approves|grants|issues)\b|谁(?:来)?(?:审批|批准|决定|发放)|"
             r"由谁(?:审批|批准|决定))", _REGULATOR),
    # "who does the investigator report SAEs to?", "向谁报告": the body the report goes to, not any body named
    ("body", r"\bwho (?:do|does|did|should|must|shall) .{0,60}\b(?:report|send|submit|notify|forward)\w*\b.{0,40}\bto\b|"
             r"\bto whom\b|向谁|报给谁|报告给谁|交给谁|报哪里|向哪(?:个|家|里)?(?:部门|机构|单位)?(?:报告|提交|报送|备案)",
     r"\b(?:report|send|submit|notif|forward)\w*\b[^.;]{0,60}?\bto (?:the |its |their |all )?(?:[\w-]+ ){0,4}?(?:sponsor|"
     r"investigators?|ethics committee|EC|institution|hospital|CDE|NMPA|NHC|MOST|applicant|PIs?|PM|client|"
     r"medical monitor|department|authority|commission|administration|DSMB|(?:data (?:safety )?)?monitoring "
     r"(?:board|committee))\b|"
     r"向[^，。；]{0,12}(?:申办者|研究者|伦理委员会|药审中心|国家药监局|国家卫生健康委|卫生健康|机构|医院|科技部|客户|PI|PM|"
     r"主管部门|监督管理部门|行政部门|监管部门|数据安全监查委员会)[^，。；]{0,6}(?:报告|提交|报送|通报|备案)|"
     r"报(?:告|送)?(?:给|至)[^，。；]{0,6}(?:申办者|研究者|伦理委员会|药审中心|国家药监局|国家卫生健康委|机构|客户|主管部门|"
     r"监督管理部门|行政部门|监管部门)"),
    # the level of a hospital or institution is its grade: "三级甲等", "Grade III-A", "tertiary"
    ("body", _INSTITUTION_LEVEL,
     r"[一二三]级[甲乙丙]?等?|三甲|\bGrade (?:I{1,3})(?:-?[AB])?\b|\bIII-A\b|\btertiary\b|\bTier[- ]?[123]\b"),
    # "which regions / 哪些地区" is answered by a sentence that names several, not by one place
    ("place", r"哪些(?:地区|省份?|城市|地方|区域)|\bwhich (?:regions|provinces|cities|places|areas)\b",
     r"[\u4e00-\u9fff]{2,4}、[\u4e00-\u9fff]{2,4}(?:、|和|及)|\b[A-Z][a-z]+, [A-Z][a-z]+,? and [A-Z][a-z]+"),
    # "is it a final text / 是正式版吗": a sentence saying the text is a trial, a draft or final,
    # not one saying that some other rule "still applies"
    ("status", r"\bfinal\b|正式|(?:是不是|还是|仍是|是否为?)(?:试行|草案|征求意见稿)|\bstill a (?:draft|trial)\b",
     r"试行|\btrial\b|草案|征求意见稿|\bdrafts?\b|约束力|\bnot binding\b|\bfinal (?:text|version)s?\b|正式(?:版|文本|稿)"),
    # "which products does it apply to / 适用于哪些产品": a sentence stating the scope, not any list
    ("list", r"\bappl(?:y|ies) to\b|\b(?:is|are) covered\b|\bdoes it cover\b|\bin scope\b|适用于哪些|适用范围|适用哪些|涵盖哪些",
     r"\bappl(?:y|ies) to\b|\b(?:products|studies|trials|research) covered\b|\bcovers\b|\bmainly\b|适用于|适用范围|主要(?:包括|为|是)|涵盖"),
    ("duration", r"保存|retain|retention|kept|keep", r"保存|retain|retention|kept|keep"),
    # which kind of day a limit counts ("按自然日排期可以吗？", "calendar days?"): a limit in named days
    ("duration", r"自然日|工作日|日历日|\b(?:calendar|working|business) days?\b",
     rf"{_ZH_NUM}+\s*(?:个)?\s*(?:工作日|自然日)|\b\d+\s+(?:calendar|working|business) days?\b"),
    # a deadline asked as one ("多久内", "within how many days") is answered by a time limit, not
    # by any duration the sentence mentions ("60 个工作日默示许可")
    ("duration", r"多久内|多长时间内|几天内|几个月内|\bwithin how\b|\bhow soon\b|\bby when\b",
     rf"{_ZH_NUM}+\s*(?:个)?\s*(?:工作日|自然日|天|日|小时|周|个月|月|年)(?:之)?内|\bwithin (?:\d+|one|two|three|"
     r"five|seven|ten|twelve|thirty)\b"),
    # how long something ran or lasts: a sentence that says it runs or lasts so long
    ("duration", r"\bhow long (?:did|does|will|is|was) .{0,60}\b(?:run|last|open)|持续多久|持续多长|为期多|试点期多",
     r"\b(?:run|runs|ran|last|lasts|lasted) for\b|为期|试点期\s*\d|期限为"),
]

# Sentences about a document rather than its rules: leave them out unless the question asks.
META = [r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten) chapters?\b|\b\d+ articles\b|共?\s*\d+\s*章|"
        r"\d+\s*条(?![例件款])|章\s*\d+\s*条",
        r"\badopted (?:at|on|by)\b|\bexecutive meeting\b|\bpromulgated\b|\bsigned (?:on|by)\b|\bmade public\b|"
        r"常务会议|审议通过|(?<!受试者)签署(?!.{0,6}知情同意)|公布",
        r"^(?:this|the) (?:document|summary|faq|explainer|note|text) |\bthis summary\b|\bthis corpus\b|\bsummarises\b|"
        r"本文|本摘要|本文件|本说明|本问答|本库",
        r"\bas of (?:19|20)\d\d\b|截至\s*(?:19|20)\d\d|(?:could|was|were|have|has) not (?:been |be )?(?:confirmed|verified)|未能.{0,8}核实|未经?核实|left blank|留空",
        r"\bsources? (?:consulted|read)\b|所查资料",
        r"^(?:文号与日期|文号|征求意见稿|前身|篇幅|Document number(?: and dates?)?|Number and dates?|Draft|"
        r"Predecessor|Length)\s*[：:]",     # a summary's line about the document: "文号与日期：…"
        r"^[（(][^()（）]*[)）]\W*$"]     # an aside in brackets: "(The 2023 Measures add ...; see ...)"
# Hedges and status words: like slot words they say what kind of answer is wanted, not its topic
# (retrieval/coverage.py weighs them down).
HEDGES = [r"\b(?:estimated?|approximate(?:ly)?|roughly|typical(?:ly)?|usually|normally|average|expected|current(?:ly)?|"
          r"now|today|latest|still|actually|exactly|really)\b", r"大概|大约|一般|通常|预计|左右|目前|现在|现行|最新|到底|究竟"]
# How people write the country they mean: a demonym stands for its country's word in the corpus.
DEMONYMS = {"chines": "china", "chinas": "china"}
# "to our German lab", "寄到美国": where samples or data go. The place is not the topic (no rule is
# German); leaving China is, so the phrase stands for the corpus's word for it.
_COUNTRIES_EN = (r"German|Germany|US|USA|U\.S\.|American|America|Japan|Japanese|Korea|Korean|UK|British|Britain|"
                 r"Europe|European|EU|Singapore|Singaporean|Swiss|Switzerland|French|France|Australia|Australian|"
                 r"Canada|Canadian|India|Indian|Dutch|Belgian|Italian|Spanish|overseas|foreign|offshore")
_COUNTRIES_ZH = r"德国|美国|日本|韩国|英国|欧洲|欧盟|新加坡|瑞士|法国|澳大利亚|加拿大|印度|荷兰|比利时|意大利|西班牙|海外|国外|境外"
_PLACE_NOUN_EN = r"(?:\s+(?:central\s+)?(?:lab|labs|laboratory|laboratories|headquarters|HQ|office|parent|partner|CRO|biobank|"
_PLACE_NOUN_EN += r"cent(?:er|re)|site|team|company|affiliate|sponsor))?"
DESTINATIONS = {
    "en": (rf"\b(?:to|into|towards|at|in)\s+(?:our|a|an|the|their|its|my)?\s*(?:{_COUNTRIES_EN})\b{_PLACE_NOUN_EN}", "abroad"),
    "zh": (rf"(?:寄到|运到|运往|送到|发往|送往|寄往|运至|送至|发到|出口到|转运到|传到|传给|提供给|交给|到)(?:{_COUNTRIES_ZH})"
           r"(?:的)?(?:中心实验室|实验室|总部|母公司|合作方|公司|中心)?", "境外"),
}
# A question that only asks where the previous one's answer is written ("Which article says so?",
# "依据是哪一条？"): it has no subject of its own, so it belongs to that question.
ASKS_SOURCE = [r"^(?:and )?(?:which|what) (?:article|provision|clause|section|rule|regulation)s?"
               r"(?: (?:says?|said|states?|requires?|is|are) (?:so|that|this|it))?(?: exactly)?\s*[?.]?$",
               r"^(?:and )?where (?:does it|is (?:that|this|it)) (?:say|said|written|stated)(?: so)?\s*[?.]?$",
               r"^(?:the )?(?:source|legal basis|citation|reference)\s*[?.]?$",
               r"^(?:其)?(?:依据|根据|出处|法律依据|规定)?(?:是|在|出自)?(?:哪一?条|哪个条款|哪条规定|哪里|什么)(?:规定的?)?[？?。]?$"]
# A question that compares two things ("比常规审评能快多少？", "compared with the normal review")
# needs both sides' values, not the first alone.
# "more than 10%" is a threshold, and "比例" a share, not comparisons.
COMPARES = [r"比(?!例|如|重|率|值|对)[^，。？！]{1,20}(?:快|慢|多|少|长|短|早|晚|高|低)|相比|相较|对比",
            r"\bcompared? (?:with|to)\b|(?<!more )(?<!less )(?<!fewer )(?<!greater )(?<!rather )(?<!other )\bthan\b|"
            r"\bversus\b|\bvs\.?(?=\s)"]
# Everyday words a question uses for the corpus's own ("一直不回复" for "无回应", "多久给结论" for
# "作出决定", "change" for "amend"): interchangeable when judging what a clause states, as the
# termbase's forms are (retrieval/coverage.py).
EVERYDAY_SYNONYMS = [
    ("回复", "回应", "答复", "回覆"), ("顺序", "依次", "次序", "先后"), ("结论", "决定"),
    ("没有", "缺少", "缺失", "未收录"), ("碰到", "遇到"), ("提交", "报送", "递交", "上交"),
    ("批准", "获批", "审批通过"), ("修改", "变更", "更改", "调整"), ("暂停", "中止", "叫停"),
    ("延长", "延期", "顺延"), ("驳回", "退回", "打回"), ("补充", "补交", "补齐"), ("收费", "收取费用"),
    ("超出", "多出", "多出来"), ("起算日", "起算", "第 0 天", "第0天"),
    ("respond", "reply", "answer"), ("amend", "change", "modify"), ("halt", "suspend", "pause"),
    ("send", "forward", "transmit"), ("fix", "correct", "rectify"),
    ("day 0", "day zero", "clock start", "clock starts"),
]
# Words people type that name no topic. Unknown to the corpus, they count little; any other
# unknown word is taken to be the topic the corpus lacks ("visa", "tax"): it counts in full.
COMMON_WORDS = frozenset("""we're i'm i've we've you're they're it's that's don't doesn't didn't can't won't isn't aren't
just get gets got getting save saves saved normal normally fast faster quick quickly compare compared comparison vs versus
really actually basically exactly simply thing things stuff way ways like want wants wanted know tell told give gave make
makes made put pay paid paying use using used ever new old big small good bad best better worse right wrong kind sort type
lot lots okay ok please thanks thank hi hello guys help anyone someone something anything everything nothing all some
any each every both either whether else etc roughly approx somebody anybody happen happens happened mean means meant
while through throughout halfway midway partway still yet already again much very too soon even instead rather whatever
anyway otherwise many
""".split())
CHINESE_COMMON_WORDS = frozenset("""应该 应当 就算 最初 起初 到底 究竟 已经 还是 一下 一般 一直 一些 怎么 怎样 怎么办 这么 那么 这样
那样 现在 目前 以后 之前 之后 然后 如果 但是 而且 或者 因为 所以 可能 能够 最多 最少 大概 左右 多久 就是 还要 只要 要是 是不是 能不能
可不可以 有没有 需不需要 弄 搞 办 算 交 补 给 让 被 把 最多能 一号 哪一号 什么样 哪些 之类 等等 之类的 具体 大约 差不多
自己 我们 咱们 我司 他们""".split())
# The country or regulator whose rules a question asks about, when it is not China's: if no retrieved
# clause names it, the question is about another jurisdiction (a destination is handled above).
JURISDICTIONS = (rf"\b(?:{_COUNTRIES_EN.replace('|overseas|foreign|offshore', '')}|FDA|EMA|PMDA|MHRA|HSA|TGA|"
                 r"Health Canada|Hong Kong|Taiwan|Macau|Macao)\b|" + _COUNTRIES_ZH.replace("|海外|国外|境外", "")
                 + r"|香港|台湾|澳门")
CHINA = r"\bChina\b|\bChinese\b|\bPRC\b|中国|我国|国内|境内|大陆"
# A Chinese word that names a place or a body, by its form (for words the corpus never writes).
CHINESE_NAME = (_COUNTRIES_ZH.replace("|海外|国外|境外", "") + r"|香港|台湾|澳门|(?:香港|台湾|澳门)\w*|"
                r"[\u4e00-\u9fff]{2,}(?:省|市|县|地区|自治区|医院|大学|学院|公司|集团|研究所)")
# What follows a product's name: 阿基仑赛 + 注射液 (jieba cuts the two apart).
CHINESE_PRODUCT_SUFFIX = r"注射液|胶囊|片|单抗|疫苗|细胞注射液"
# Comparators before a threshold: "above 10%" and "over 10%" ask about the same row.
ABOVE = r"above|over|more than|exceeding|exceeds?|greater than|beyond|超过|高于|大于|多于"
BELOW = r"below|under|less than|up to|at most|no more than|不超过|低于|小于|少于|以内"
# Words of a question that make the meta sentences above relevant.
ASKS_META = [r"\bin force\b|\beffective\b|\beffect\b|\bvalid\b|\bstill\b|\bstatus\b|\bbinding\b|\bdraft\b|"
             r"\brepeal|\bsupersed|\bchapters?\b|\barticles\b|\bpages\b|\bhow long is (?:the |this |that )?[\w'’ -]{0,60}"
             r"(?:guideline|guidance|document|text|measures|regulation|rules?|notice|announcement|law|provisions|GCP|GVP)\b|\badopt|\bissued?\b|\bwhen\b|\bdate\b|\bcurrent\b|"
             r"\b(?:document|decree|order|notice|announcement|circular) number\b|\bnumber and date\b",
             r"现行|有效|效力|草案|征求意见|试行|废止|取代|几章|多少条|几条|几页|多少页|篇幅|发布|文号|何时|什么时候|哪天|日期|状态|正式|"
             r"(?:何时|什么时候|哪天|哪一天|日期|时间|是否|有没有|已经|起|开始)[^\s，。？！,.?!]{0,4}(?:施行|生效)|"
             r"(?:施行|生效)(?:日期|时间|了吗|了没|没有|的|吗)"]     # not "条例施行后还能继续吗"

# A sentence that adds a condition or exception to the one it follows.
CONDITIONS = [r"\b(?:unless|provided|only if|only where|except|if|where|but|however|subject to|as long as|"
              r"otherwise|before|after)\b", r"除非|除外|前提|但是?|如果|若|方可|仅|只有|否则|之前|之后|经.{0,10}(?:批准|同意)"]

# How a sentence states a verdict for a yes/no question (see question.verdict). A prohibition
# negates the modal itself ("may not", "不得"); other negations ("is not aimed at") do not decide it.
PROHIBITS = [r"不得|禁止|不能|不可以?|不允许|严禁",
             r"\b(?:may not|must not|cannot|can ?not|can't|shall not|neither\b.{1,60}\bnor\b.{1,60}\bmay|"
             r"(?<!has )(?<!have )(?<!with )no \w+(?: \w+)? may|not (?:be )?(?:allowed|permitted)|forbid\w*|prohibit\w*|bars?|"
             r"barred)\b"]       # "no sponsor may", not "a disease that has no effective treatment may ..."
NOT_NEEDED = [r"无需|无须|不需要|不必|免除|豁免",
              r"\b(?:need not|not (?:be )?(?:required|needed)|no need|does not need|do not need|exempt\w*)\b"]
NEGATION = [r"不|没有|未|非", r"\b(?:not|no|never|neither|nor|without)\b|n't\b"]
WITHOUT = [r"未经|没有.{0,8}(?:批准|审批|许可|备案)", r"\bwithout\b|\bunless\b"]
PERMITS = [r"可以|允许|方可|可", r"\b(?:may|can|is allowed|are allowed|permitted)\b"]
REQUIRES = [r"须|必须|需要|需经|应当|应", r"\b(?:must|shall|requires?|required|needs?)\b"]
# What a yes/no question asks about: permission ("can we ...") or need ("do we need ..."); only these
# two get a verdict derived from a sentence's own modal, because only there its polarity is the answer.
YESNO_KINDS = {
    "permission": {"zh": [r"能否|可否|可不可以|能不能|还(?:能|可以)|可以.{0,30}吗|能.{0,30}吗|允许.{0,20}吗"],
                   "en": [r"^(?:can|may|could)\b|\b(?:can|may) (?:we|i|a|an|the|our|they|participants|patients)\b|"
                          r"\bis it (?:allowed|possible|permitted|fine|ok|okay|alright|legal)\b|"
                          r"\bare (?:we|they|you) (?:allowed|permitted|fine|ok|okay)\b"]},
    "need": {"zh": [r"需要.{0,30}吗|要不要|需不需要|是否需要|是否(?:必须|须|要)|必须.{0,20}吗|要.{0,20}吗"],
             "en": [r"\bdo (?:i|we|they|you) (?:need|have to)\b|\b(?:does|do) .{1,40} (?:need|require)\b|"
                    r"^must\b|\bis it (?:required|mandatory|necessary)\b|\bis .{1,40} required\b"]},
}
VERDICT = {"en": {("permission", "yes"): "Yes.", ("permission", "no"): "No.",
                  ("need", "yes"): "Yes.", ("need", "no"): "No."},
           "zh": {("permission", "yes"): "可以。", ("permission", "no"): "不可以。",
                  ("need", "yes"): "需要。", ("need", "no"): "不需要。"}}
# The way that is open after a "No." ("only in cooperation with a Chinese entity", "除非……",
# "经批准后方可"): an expert's refusal names it.
ROUTE = [r"\bonly (?:in|through|by|with|after|if|when|via)\b|\bunless\b|\bexcept (?:through|by|with|when|where|if)\b|"
         r"\bmust (?:work|go) through\b|\bprovided that\b",
         r"只能通过|仅能通过|只能与|须与.{1,12}合作|通过与.{1,12}合作|除非|除(?!此之?[外以]).{1,20}外|经.{1,20}批准(?:后)?(?:方可|可以)"]
# An answer that already opens with its verdict needs no other.
STATES_VERDICT = r"^(?:yes|no)\b|^(?:是的|可以|不可以|不能|不需要|需要|不是|否)[，,。：:]"
