"""The question analyser reads the slot asked for in both languages, and sentences are judged
against it: a count must count what was asked, a verdict must be one the sentence states."""

import pytest

from retrieval.question import analyse, definiendum, fills, fills_strongly, sub_questions, thresholds, verdict


@pytest.mark.parametrize("question,slot", [
    ("伦理委员会至少需要几名委员？", "count"),
    ("How many members must an ethics committee have at least?", "count"),
    ("How many days does a sponsor have to report a fatal SUSAR?", "duration"),
    ("生物医学新技术临床研究原始记录保存多久？", "duration"),
    ("SUSAR 报告时限是多少天？", "duration"),
    ("How long do records have to be retained?", "duration"),
    ("SUSAR deadline in a CAR-T IIT?", "duration"),
    ("When did the current Chinese GCP come into force?", "date"),
    ("《条例》何时施行？", "date"),
    ("What is the fine for exporting samples without approval?", "money"),
    ("未经批准出境的罚款是多少？", "money"),
    ("未备案就开展研究，会被怎么罚？", "money"),
    ("知情同意的要求在伦理审查办法的第几章？", "article"),
    ("Which chapter of the Measures covers informed consent?", "article"),
    ("伦理审查分哪两种方式？", "list"),
    ("伦理审查的时限按自然日算吗？", "duration"),
    ("Is the 60-day review counted in calendar days?", "duration"),
    ("How are sites punished for skipping the filing?", "money"),
    ("Discount above 10%: who approves?", "body"),
    ("人类遗传资源现在由哪个部门主管？", "body"),
    ("Where must an IIT's information be uploaded?", "place"),
    ("IIT立项后要在哪个系统登记？", "place"),
    ("Can I run a CAR-T IIT without an IND?", "yesno"),
    ("干细胞临床研究可以向受试者收费吗？", "yesno"),
    ("PBMC samples to our German lab: which approvals?", "list"),
    ("IIT开展前医院内部需要哪些审查？", "list"),
    ("What is the dual-track system?", "definition"),
    ("什么是立项？", "definition"),
])
def test_primary_slot_in_both_languages(question, slot):
    assert analyse(question).slot == slot


def test_several_slots_keep_their_order_and_the_language():
    ask = analyse("Can we outsource DSUR writing to a CRO, and who is responsible for it then?")
    assert ask.slots == ("body", "yesno") and ask.lang == "en" and ask.yesno == "permission"
    both = analyse("How many members, and within how many days must they report?")
    assert both.slots[:2] == ("duration", "count")
    assert analyse("药品注册证书有效期几年？").lang == "zh"


def test_yes_no_kinds_and_meta():
    assert analyse("Do I need HGR approval to ship samples abroad?").yesno == "need"
    assert analyse("样本出境需要人类遗传资源审批吗？").yesno == "need"
    assert analyse("能否向受试者收费？").yesno == "permission"
    assert analyse("Is the somatic-cell measure binding?").yesno == "fact"
    assert analyse("Is the 2021 pilot text still in force?").meta
    assert not analyse("How many days for a SUSAR?").meta


def test_a_count_counts_what_was_asked():
    ask = analyse("伦理委员会至少需要几名委员？")
    assert ask.unit == "people"
    assert fills("委员会人数不少于 7 人。", "count", ask)
    assert fills("跟踪审查由不少于 2 名委员进行。", "count", ask)
    assert not fills("方案只有在伦理委员会审查同意后才能实施（第五条）。", "count", ask)
    members = analyse("How many ethics committee members must carry out follow-up review?")
    assert members.unit == "member" and fills("Follow-up review is done by at least 2 members.", "count", members)
    assert not fills("Article 27 governs follow-up review.", "count", members)


@pytest.mark.parametrize("sentence,slot,expected", [
    ("Records are kept for 30 years after the study ends.", "duration", True),
    ("自研究结束起保存30年。", "duration", True),
    ("The site files the study with NHC.", "duration", False),
    ("It took effect on 2020-07-01.", "date", True),
    ("自 2026年5月1日 起施行。", "date", True),
    ("Fine of RMB 0.5-5 million.", "money", True),
    ("第四章规定知情同意。", "article", True),
    ("Chapter 4 covers informed consent.", "article", True),
    ("处50万元以上100万元以下罚款。", "money", True),
    ("Hospitals charge fees.", "money", False),
    ("Discount or condition: over 10% to 15%; Approver: CFO.", "body", True),
    ("信息上传至国家医学研究登记备案信息系统。", "place", True),
])
def test_slot_fill_patterns(sentence, slot, expected):
    assert fills(sentence, slot) is expected


def test_thresholds_compare_direction_number_and_unit():
    assert thresholds("Discount above 10%: who approves?") == {("above", "10", "%")}
    assert ("above", "10", "%") in thresholds("over 10% to 15%")
    assert ("above", "10", "%") not in thresholds("over 5% to 10%")
    assert thresholds("超过 10% 的折扣") == {("above", "10", "%")}
    assert not thresholds("above RMB 10 million") & {("above", "10", "%")}


def test_a_verdict_only_when_the_sentence_states_one():
    can = analyse("Can participants be charged research-related fees?")
    assert verdict(can, "Neither sponsor nor site may charge subjects any research-related fee.") == "No."
    assert verdict(analyse("能否向受试者收费？"), "发起机构、研究机构不得向受试者收取与研究有关的任何费用。") == "不可以。"
    need = analyse("Do I need HGR approval to ship samples abroad?")
    assert verdict(need, "Sending HGR materials abroad requires approval under the Regulation.") == "Yes."
    assert verdict(need, "Yes. Sending HGR materials abroad requires approval.") is None, "it already says so"
    assert verdict(can, "IITs are research that is not aimed at registration, so a hospital can run one.") is None
    assert verdict(analyse("Is the 2019 draft binding?"), "The draft never took effect.") is None


@pytest.mark.parametrize("question,sentence,expected", [
    ("Which authority approves sending HGR samples abroad?", "Since 2024-05-01 the competent authority is NHC.", True),
    ("Which authority approves sending HGR samples abroad?", "The competent department must approve it.", False),
    ("人遗审批现在归哪个部门管？", "自 2024-05-01 起以国家卫生健康委为主管部门。", True),
    ("人遗审批现在归哪个部门管？", "采集特定种类的人类遗传资源须经主管部门批准。", False),
    ("Discount above 10%: who approves?", "Approver: CFO.", True),     # not a regulator question
    ("Who must the site send the follow-up SAE report to?", "The site sends the follow-up report to the sponsor.", True),
    ("Who must the site send the follow-up SAE report to?", "The site's duties come from GCP (NMPA and NHC, 2020).", False),
    ("研究者发现 SAE 后向谁报告？", "研究者应当立即向申办者书面报告。", True),
    ("研究者发现 SAE 后向谁报告？", "研究者的安全性职责见 GCP（国家药监局、国家卫生健康委 2020 年）。", False),
])
def test_a_question_for_the_authority_wants_it_named(question, sentence, expected):
    assert fills(sentence, "body", analyse(question)) is expected


def test_named_documents_by_number_and_by_title():
    from retrieval.question import named_documents

    trial = {"title": "医疗卫生机构开展研究者发起的临床研究管理办法（试行）", "doc_number": "国卫科教函〔2021〕155号"}
    final = {"title": "医疗卫生机构开展研究者发起的临床研究管理办法", "doc_number": "国卫科教发〔2024〕32号"}
    law = {"title": "Drug Administration Law of the People's Republic of China (中华人民共和国药品管理法), 2019 "
                    "revision: the clinical trial articles", "doc_number": ""}
    docs = {"trial": trial, "final": final, "law": law}
    assert named_documents("国卫科教发〔2024〕32号从哪天开始施行？", docs) == {"final"}
    assert named_documents("《医疗卫生机构开展研究者发起的临床研究管理办法》第十条", docs) == {"final"}
    assert named_documents("《医疗卫生机构开展研究者发起的临床研究管理办法（试行）》", docs) == {"trial", "final"}
    assert named_documents("Under the Drug Administration Law, how long does NMPA have?", docs) == {"law"}
    assert named_documents("药品管理法第十九条", docs) == {"law"}
    assert named_documents("How long does an ethics review take?", docs) == frozenset()
    zh_law = {"title": "中华人民共和国药品管理法（2019年修订）：临床试验相关条款", "doc_number": ""}
    assert named_documents("药品管理法规定临床试验申请多少天默示许可？", {"zh": zh_law}) == {"zh"}
    assert named_documents("2019年修订的条款有哪些？", {"zh": zh_law}) == frozenset()


def test_a_deadline_date_is_a_date_and_a_deadline_time_a_duration():
    assert analyse("征求意见稿的意见截止日期是什么时候？").slots[0] == "date"
    assert analyse("SUSAR 报告截止时间是多久？").slots[0] == "duration"
    assert analyse("Which regions were in the 2021 IIT pilot?").slots[0] == "place"


def test_a_question_without_a_slot_still_counts_as_one_of_several():
    assert sub_questions("非致死、非危及生命的SUSAR最迟多少天报告？起算日怎么定？") == [
        "非致死非危及生命的SUSAR最迟多少天报告？", "起算日怎么定？"]
    assert sub_questions("伦理委员会至少需要几名委员？") == ["伦理委员会至少需要几名委员？"]


def test_how_many_people_counts_people():
    ask = analyse("伦理委员会最少要几个人？")
    assert ask.slot == "count" and ask.unit == "people"
    assert fills("委员会人数不少于 7 人。", "count", ask)


def test_minutes_are_a_duration():
    ask = analyse("记录空档超过多久算偏差？")
    assert fills("记录中出现超过 30 分钟的空档，按偏差处理。", "duration", ask)
    assert fills("Report within 30 minutes.", "duration", analyse("How long do we have?"))


@pytest.mark.parametrize("question,unit", [
    ("min number of EC members under the 2023 ethics measures", "member"),
    ("What is the minimum number of ethics committee members?", "member"),
    ("number of sites required for a multicentre IIT", "site"),
    ("How many members does the committee need?", "member"),
])
def test_a_count_asked_as_a_number_of_things_counts_those_things(question, unit):
    ask = analyse(question)
    assert ask.slot == "count" and ask.unit == unit
    assert fills("The committee has 7 members, of both sexes.", "count", ask) == (unit == "member")
    assert not fills("The 2023 Measures require agreement by more than half of all members.", "count", ask)


def test_a_number_of_a_document_asks_about_the_document_but_naming_one_by_its_number_does_not():
    assert analyse("document number of NATCM's TCM IIT rules").meta
    assert not analyse("Under NHFPC Order No. 11, how many members must do follow-up review?").meta
    assert not analyse("min number of EC members").meta
    assert not analyse("How long did the Beijing-Shanghai IND pilot run?").meta


@pytest.mark.parametrize("question,answer,other", [
    ("30日通道获批后多久内必须启动临床试验？", "申请人须承诺获批后 12 周内启动临床试验。",
     "常规申请仍适用 60 个工作日默示许可。"),
    ("Within how many days must the follow-up report be sent?", "Send the follow-up report within 15 days.",
     "The standard review clock is 60 working days."),
    ("How long did the Beijing-Shanghai IND pilot run?", "The pilot was set to run for one year.",
     "The first pilot review took 21 days."),
])
def test_a_deadline_or_a_run_is_answered_by_a_time_limit_not_by_any_duration(question, answer, other):
    ask = analyse(question)
    assert ask.slot == "duration"
    assert fills_strongly(answer, ask) and not fills_strongly(other, ask)
    assert fills(other, "duration", ask)       # a duration still, only not the one asked for


def test_a_count_of_articles_is_not_an_article_number_nor_a_count_of_something_else():
    ask = analyse("人遗实施细则正式稿一共多少条？")
    assert ask.unit == "条"
    assert fills("正式文本精简为78条。", "count", ask) and fills("共 122 条，分 10 章。", "count", ask)
    assert not fills("《人类遗传资源管理条例》第三十六条规定了罚则。", "count", ask)
    assert not fills("路径：两条路径共同适用。", "count", ask)


@pytest.mark.parametrize("question", ["Which grade of hospital can be the site for a stem cell study?",
                                      "818号令的研究机构要什么级别的医院？", "Under Decree No. 818, what tier of hospital qualifies?"])
def test_the_level_of_a_hospital_is_its_grade(question):
    ask = analyse(question)
    assert ask.slot == "body" and "number" not in ask.slots      # "Decree No. 818" names the rule
    assert fills("The research site must be a Grade III-A medical institution.", "body", ask)
    assert fills("研究机构应当为三级甲等医院。", "body", ask)
    assert not fills("The research site reports to NHC through the hospital's system.", "body", ask)


def test_a_rule_named_by_its_year_and_subject():
    from retrieval.question import named_documents

    docs = {"e16": {"title": "涉及人的生物医学研究伦理审查办法", "source_id": "ethics-2016", "issued": ""},
            "e23": {"title": "Measures for Ethical Review of Life Sciences and Medical Research Involving Humans",
                    "issued": "2023-02-18", "effective": "2023-02-18"},
            "g21": {"title": "基因治疗产品非临床研究与评价技术指导原则（试行）", "issued": "2021-11-30"},
            "i21": {"title": "医疗卫生机构开展研究者发起的临床研究管理办法（试行）", "issued": "2021-09-09"},
            "b25": {"title": "Regulation on biomedical new technologies", "issued": "2025-09-10", "effective": "2026-05-01"}}
    assert named_documents("min number of EC members under the 2023 ethics measures", docs) == {"e23"}
    assert named_documents("2016年伦理审查办法对委员人数有何规定？", docs) == {"e16"}
    assert named_documents("2021年试行办法在哪些地区试点？", docs) == {"i21"}      # a 办法, not the 指导原则
    assert named_documents("the 2026 biomedical technology regulation", docs) == {"b25"}    # the year in force
    assert named_documents("What did the 2023 drug measures change?", docs) == frozenset()   # no such subject
    assert named_documents("What changed in 2023?", docs) == frozenset()


def test_a_start_date_is_the_date_from_which_a_change_applies():
    ask = analyse("主管部门从科技部调整为国家卫生健康委是从哪天开始的？")
    assert ask.slot == "date"
    assert fills_strongly("自 2024-05-01 起，以国家卫生健康委为主管部门。", ask)
    assert not fills_strongly("2024-04-26，全国人大常委会修改了本法。", ask)


@pytest.mark.parametrize("question,unit,yes,no", [
    ("这份指导原则一共有几个部分？", "部分", "结构：概述、临床试验设计和随访研究三部分。", "第一部分为概述。"),
    ("How many parts does the guideline have?", "part", "It is set out in three parts, with references.", "Part 1 is an overview."),
])
def test_a_count_of_parts_counts_parts(question, unit, yes, no):
    ask = analyse(question)
    assert ask.slot == "count" and ask.unit == unit
    assert fills(yes, "count", ask) and not fills(no, "count", ask)


def test_a_trial_text_cited_without_its_trial_mark_is_named_when_no_other_version_is():
    from retrieval.question import named_documents

    trial = {"title": "免疫细胞治疗产品临床试验技术指导原则（试行）", "doc_number": ""}
    other = {"title": "基因治疗产品非临床研究与评价技术指导原则（试行）", "doc_number": ""}
    docs = {"trial": trial, "other": other}
    assert named_documents("免疫细胞治疗产品临床试验技术指导原则分几部分？", docs) == {"trial"}
    assert named_documents("指导原则分几部分？", docs) == frozenset()
    draft = {"title": "体细胞治疗临床研究和转化应用管理办法（试行）（征求意见稿）", "doc_number": ""}
    assert named_documents("《体细胞治疗临床研究和转化应用管理办法（试行）》有哪些条件？", {"draft": draft}) == {"draft"}


def test_only_a_hospitals_level_asks_for_a_grade():
    ask = analyse("该研究的风险等级由谁确定？")
    assert fills("研究的风险等级由伦理委员会确定。", "body", ask)
    assert fills("It is approved by the provincial health commission.", "body",
                 analyse("Which level of government approves the filing?"))


@pytest.mark.parametrize("question,sentence", [
    ("Who does the institution report SAEs to?", "SAEs are reported to the provincial drug regulatory department."),
    ("研究机构向谁报告？", "研究机构应当向所在地省级药品监督管理部门报告。"),
])
def test_a_report_to_any_authority_names_where_it_goes(question, sentence):
    assert fills(sentence, "body", analyse(question))


def test_a_law_is_named_by_its_own_name_not_by_the_last_character_of_another():
    from retrieval.question import named_documents

    docs = {"law": {"title": "中华人民共和国生物安全法", "issued": "2020-10-17"},
            "provisions": {"title": "药品注册管理办法", "issued": "2020-01-22"}}
    assert named_documents("2020年法规对此有何要求？", docs) == frozenset()
    assert named_documents("2020年生物安全法怎么规定？", docs) == {"law"}
    assert named_documents("2020年注册管理办法", docs) == {"provisions"}


def test_how_old_asks_for_an_age_limit():
    ask = analyse("How recent must the CV of a sub-investigator be?")
    assert ask.slot == "duration"
    assert fills("The CV must be no older than 2 years.", "duration", ask)


def test_percent_in_words_is_a_percentage_threshold():
    assert thresholds("Who approves a discount above 10 percent?") == thresholds("over 10% to 15%")
    assert thresholds("more than 10 per cent") == {("above", "10", "%")}


def test_who_decides_on_a_regulatory_permission_asks_for_the_authority():
    hgr = analyse("HGR审批 for sending blood samples abroad: who decides?")
    assert fills_strongly("Since 2024-05-01 the competent authority for HGR is NHC.", hgr)
    assert not fills_strongly("The penalty that weighs most on a foreign company is a fine.", hgr)
    assert fills_strongly("人类遗传资源材料出境证明由国家卫生健康委审批。", analyse("人类遗传资源出境由谁审批？"))
    discount = analyse("Who approves a discount above 10%?")       # a person in an SOP, not a regulator
    assert fills("Approver: CFO.", "body", discount)
    assert fills("审批人：CFO。", "body", analyse("超过10%的折扣由谁审批？"))


@pytest.mark.parametrize("question,term", [("细胞治疗双轨制是什么意思？", "细胞治疗双轨制"), ("什么是立项？", "立项"),
                                           ("What is the dual-track system?", "dual-track system"),
                                           ("What does 立项 mean for our IIT?", "立项"),
                                           ("What counts as starting the trial?", "")])
def test_a_definition_question_names_its_term(question, term):
    assert definiendum(question) == term


def test_no_effective_treatment_is_not_a_prohibition():
    ask = analyse("Can we offer compassionate use to patients outside the trial?")
    assert verdict(ask, "A drug for a disease that has no effective treatment may be used for other patients.") != "No."
    assert verdict(ask, "A foreign sponsor may not collect HGR, and no foreign party may preserve it.") == "No."


def test_a_fine_does_not_state_a_fee():
    fee = analyse("What fee does NMPA charge for filing a CAR-T IND application?")
    assert not fills("逾期不改正的，处 10 万元以上 50 万元以下罚款。", "money", fee)
    assert fills("Ethics review fee: RMB 8,000 per protocol.", "money", fee)
    assert fills("逾期不改正的，处 10 万元以上 50 万元以下罚款。", "money", analyse("未备案的罚款是多少？"))


def test_an_order_is_named_by_its_short_number():
    from retrieval.question import named_documents

    metas = {"ethics-2016": {"title": "涉及人的生物医学研究伦理审查办法", "doc_number": "国家卫生和计划生育委员会令第11号"},
             "ethics-2023": {"title": "涉及人的生命科学和医学研究伦理审查办法", "doc_number": "国卫科教发〔2023〕4号"}}
    assert named_documents("按11号令，哪些情况下可以免签知情同意书？", metas) == {"ethics-2016"}
    assert named_documents("第11号令还有效吗？", metas) == {"ethics-2016"}


def test_a_document_number_of_a_rule_is_not_a_count():
    ask = analyse("document number of NATCM's rules for TCM investigator-initiated studies")
    assert ask.slot == "number" and "count" not in ask.slots
    assert analyse("What is the minimum number of members?").slot == "count"


@pytest.mark.parametrize("question,compares", [
    ("30个工作日通道和常规审评相比快多少？", True),
    ("快速通道比一般审评快几天？", True),
    ("How much faster is the fast channel than the standard review?", True),
    ("What does the 2024 text change compared with the 2021 pilot?", True),
    ("Who approves a discount of more than 10%?", False),     # a threshold
    ("SAE 中死亡病例的比例是多少？", False),                   # a share
    ("IND 审评时限是多少天？", False),
])
def test_a_comparison_is_recognised(question, compares):
    assert analyse(question).compares is compares


def test_how_much_faster_asks_for_a_duration():
    assert analyse("快速通道比常规审评快多少？").slot == "duration"


@pytest.mark.parametrize("message", ["Must the site be Grade III-A? Which article says so?",
                                     "研究机构必须是三级甲等吗？依据是哪一条？"])
def test_asking_for_the_source_belongs_to_the_question_before(message):
    """"Which article says so?" has no subject of its own: it is not a second question."""
    assert sub_questions(message) == [message]
    assert sub_questions("是正式版吗？文号是多少？") == ["是正式版吗？", "文号是多少？"]


def test_who_does_an_act_is_answered_by_the_sentence_saying_who_does_it():
    """"由谁登记？" wants the doer of 登记, not any sentence that names a body."""
    ask = analyse("多中心项目由谁登记？")
    assert fills("多中心研究由牵头单位登记，并添加其他参与单位。", "body", ask)
    assert not fills("项目信息须上传至国家卫生健康委指定的平台。", "body", ask)
    assert fills_strongly("The annual report is filed by the lead site.", analyse("Who files the annual report?"))


def test_how_long_is_a_document_asks_for_its_pages():
    doc = analyse("How long is the CDE guideline on clinical communication for CGT products?")
    assert (doc.slot, doc.unit, doc.meta) == ("count", "page", True)
    assert analyse("How long is the IND review?").slot == "duration"
    assert analyse("How long is an HGR approval valid?").slot == "duration"


def test_which_regions_wants_the_sentence_naming_several():
    ask = analyse("试点在哪些地区开展？")
    assert fills_strongly("自 2021-10-01 起在北京、上海、广东和海南试点。", ask)
    assert not fills_strongly("国家卫健委在北京召开启动会。", ask)
    assert fills_strongly("It ran in Beijing, Shanghai, Guangdong and Hainan.", analyse("Which provinces took part?"))


def test_who_does_it_also_reads_the_responsible_and_the_by_forms():
    ask = analyse("伦理审查由谁负责？")
    assert fills("机构伦理委员会负责本机构的伦理审查。", "body", ask)
    assert analyse("科学性审查由谁来做？").slot == "body"
    assert fills("科学性审查由学术委员会组织。", "body", analyse("科学性审查由谁来做？"))   # no act to match: any body


@pytest.mark.parametrize("sentence, route", [
    ("Foreign bodies may use the resources only in cooperation with a Chinese entity.", True),
    ("A foreign party must work through cooperation with a Chinese party (Article 21).", True),
    ("境外组织须与中方单位合作开展研究。", True),
    ("除依法备案的情形外，不得开展。", True),
    ("经国家卫生健康委批准后方可出境。", True),
    ("Foreign bodies may not collect or preserve China's HGR.", False),
    ("The only approved product is listed in Annex 2.", False),
    ("境外组织不得在我国境内采集、保藏我国人类遗传资源。", False),
    ("除此之外，还须提交年度报告。", False)])
def test_the_way_that_is_open_after_a_refusal(sentence, route):
    from retrieval import slots
    from retrieval.question import matches

    assert matches(slots.ROUTE, sentence) == route


def test_a_duration_the_question_already_gives_is_not_the_one_it_asks_for():
    ask = analyse("30日通道获批后多久内必须启动临床试验？")
    assert not fills("国家药监局在受理后 30 个工作日内完成审评审批。", "duration", ask)
    assert fills("申请人须承诺获批后 12 周内启动临床试验。", "duration", ask)
    run = analyse("How long did the 30-working-day IND pilot run?")
    assert fills("The 30-working-day pilot was set to run for one year.", "duration", run)
    confirming = analyse("SAE 要在 24 小时内报告伦理委员会，这是国家法规的硬性要求吗？")
    assert fills("医院 SOP 常要求 24 小时内报告伦理委员会。", "duration", confirming)


def test_asked_whether_a_text_is_final_a_sentence_on_its_status_answers_not_one_on_another_rule():
    ask = analyse("Is CDE's 2021 non-clinical guideline for gene therapy products a final text?")
    assert ask.slot == "status"
    assert fills_strongly('Both are trial ("试行") technical guidelines, not binding provisions.', ask)
    assert not fills_strongly("The non-clinical part of the 2017 cell therapy guideline still applies.", ask)
    assert fills_strongly("该指导原则为试行文本。", analyse("这份指导原则是正式版吗？"))


def test_asked_what_a_guideline_applies_to_its_scope_sentence_answers_not_any_list():
    ask = analyse("Which products does CDE's clinical communication guideline for CGT products apply to?")
    assert ask.slot == "list"
    assert fills_strongly("It applies to products with cell and gene therapy attributes.", ask)
    assert not fills_strongly("Sponsors may ask for a meeting, send a briefing book, and attend a call.", ask)
    zh = analyse("这份指导原则适用于哪些产品？")
    assert fills_strongly("本指导原则适用于具有细胞和基因治疗产品属性的药物。", zh)


def test_a_list_of_three_in_prose_is_a_list():
    ask = analyse("Which kinds of products are cell and gene therapy products?")
    assert fills("These are stem cell products, immune cell products and gene therapy products.", "list", ask)
    assert not fills("The guideline was issued in 2021.", "list", ask)


def test_a_term_the_question_quotes_is_answered_by_the_sentence_using_it():
    from retrieval.question import uses_quoted_term

    question = "干细胞临床研究说的“双备案”指哪两个？"
    assert uses_quoted_term("备案：实行“双备案”，先做机构备案，再做项目备案。", question)
    assert not uses_quoted_term("体外操作包括干细胞的分离、纯化、培养、扩增以及冻存和复苏。", question)
    english = 'Which two tracks does "dual track" refer to?'
    assert uses_quoted_term("China runs a dual track: IITs under NHC and registration trials under NMPA.", english)
    assert not fills_strongly("China runs a dual track.", analyse('Which authority approves "dual track" studies?')), \
        "a quoted term alone never fills a slot"
