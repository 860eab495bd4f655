"""Answers on the bundled corpus state what was asked (issue 13's examples, as a new user typed
them): the fact leads, no filler follows, tables read as sentences, no internal identifier shows,
near misses abstain and paraphrases answer."""

import pytest

from evals.metrics import lead_text
from retrieval.answer import Answerer
from tests.bundled import bundled_index


@pytest.fixture(scope="module")
def answerer(tmp_path_factory, e5):
    from retrieval.search import Searcher

    settings, _ = bundled_index(tmp_path_factory, e5)
    return Answerer(settings, searcher=Searcher(settings, embedder=e5), generator=None)


def ask(answerer, question, role="sponsor"):
    answer = answerer.ask(question, role=role)
    names = answerer.planner.names(role)
    shown = answer.answer + " ".join(c.quote for c in answer.citations)
    assert not names.find(shown), f"internal identifiers {names.find(shown)} in {shown!r}"
    return answer


def test_ethics_committee_size_leads_with_seven(answerer):
    answer = ask(answerer, "伦理委员会至少需要几名委员？")
    assert not answer.abstained and "7" in lead_text(answer.answer)


def test_record_retention_states_thirty_years_not_adoption_dates(answerer):
    answer = ask(answerer, "How long do records of clinical research on biomedical new technologies have to be "
                           "retained?")
    assert "30 years" in lead_text(answer.answer)
    assert "adopted" not in answer.answer and "58 articles" not in answer.answer


def test_research_site_grade(answerer):
    answer = ask(answerer, "What kind of hospital may serve as the research site under Decree 818?")
    assert "Grade III-A" in lead_text(answer.answer)


def test_susar_deadline_in_an_iit_gives_the_clocks_and_who_they_bind(answerer):
    answer = ask(answerer, "SUSAR deadline in a CAR-T IIT?")
    assert "7 days" in answer.answer and "15 days" in answer.answer
    assert "registration" in answer.answer.lower()


def test_car_t_iit_without_ind_says_yes_without_filler(answerer):
    answer = ask(answerer, "Can I run a CAR-T IIT without an IND?")
    assert lead_text(answer.answer).startswith("Yes")
    assert "chimeric antigen receptor" not in answer.answer.lower(), "no definition from an unrelated guideline"
    assert len(answer.answer.split("\n\n")[0].split("[")) <= 4


def test_discount_row_is_read_as_a_sentence(answerer):
    answer = ask(answerer, "Discount above 10%: who approves?", role="staff")
    first = lead_text(answer.answer)
    assert "CFO" in first and "over 10% to 15%" in first and "|" not in answer.answer
    assert answer.citations[0].chunk.meta["source_id"] == "sop-pricing"


@pytest.mark.parametrize("question,phrase", [
    ("When did the current Chinese GCP come into force?", "2020-07-01"),
    ("PBMC samples to our German lab: which approvals?", "approval"),
    ("Estimated timeline for ethics approval at a Tier-3 hospital?", "varies"),
])
def test_paraphrased_questions_in_scope_answer(answerer, question, phrase):
    answer = ask(answerer, question)
    assert not answer.abstained and phrase in answer.answer


@pytest.mark.parametrize("question", [
    "What fee does NMPA charge for filing a CAR-T IND?",
    "What is Japan's conditional approval pathway for regenerative medicine products?",
    "How long is the FDA's 30-day review for an IND?",
    "国家药监局受理CAR-T临床试验申请收取多少费用？",
])
def test_near_misses_abstain(answerer, question):
    assert ask(answerer, question).abstained


def test_sources_are_named_by_title_never_by_source_id(answerer):
    for question in ("Can a foreign company fund an IIT?", "Do I need HGR approval to ship samples abroad?",
                     "第818号令施行前已经开始的研究怎么办？"):
        answer = ask(answerer, question)
        assert "hgr-regulation-2019" not in answer.answer and "dual-track)" not in answer.answer


def test_a_sentence_that_leans_back_is_quoted_with_the_one_before(answerer):
    answer = ask(answerer, "境外药企能不能自己作为生物医学新技术临床研究的发起机构？")
    first = lead_text(answer.answer)
    assert "境内依法成立的法人" in first and "因此境外企业" in first
    assert "第十条" in first, "an answer quoting an article names it"


def test_every_question_of_a_message_is_answered(answerer):
    answer = ask(answerer, "中英文方案摘要最多写几页？摘要批准后全文草稿多久交？", role="staff")
    assert "6 页" in answer.answer and "20 个工作日" in answer.answer


def test_a_question_about_another_countrys_rules_abstains(answerer):
    assert ask(answerer, "韩国对人类遗传资源样本出境有什么审批要求？").abstained
    assert not ask(answerer, "国际多中心临床试验要把血样寄到韩国的中心实验室，需要办什么人类遗传资源手续？").abstained


def test_an_faq_verdict_is_not_repeated_for_a_question_that_is_not_yes_or_no(answerer):
    answer = ask(answerer, "第818号令带来了哪些变化？")
    assert not answer.answer.startswith("有变化。")


def test_a_named_document_number_is_answered_from_that_document(answerer):
    answer = ask(answerer, "国卫科教发〔2024〕32号从哪天开始施行？")
    assert "2024-10-01" in lead_text(answer.answer)
    assert answer.citations[0].chunk.meta["source_id"] == "nhc-iit-2024"


def test_a_document_number_question_gives_the_documents_own_number(answerer):
    answer = ask(answerer, "中医药方面的研究者发起临床研究有没有单独的管理办法？文号是多少？")
    assert "国中医药科技中医函〔2025〕261号" in answer.answer


def test_colloquial_frequency_question_is_answered(answerer):
    answer = ask(answerer, "DSUR 多久交一次？截止时间怎么算？")
    assert not answer.abstained and "2 个月内" in answer.answer


def test_an_unknown_product_name_abstains(answerer):
    assert ask(answerer, "阿基仑赛注射液在国内是哪一天获批上市的？").abstained


def test_a_change_question_with_a_topic_leads_with_that_change(answerer):
    answer = ask(answerer, "What changed between the 2016 and 2023 ethics review measures on renewed informed consent?")
    first = answer.answer.splitlines()[0]
    assert "Renewed consent" in first and "civil capacity" in first


def test_a_message_of_two_questions_leads_with_the_answer_to_its_first(answerer):
    answer = ask(answerer, "我们医院的CAR-T项目2026年5月前就启动了，条例施行后还能接着做吗？需要补什么手续？")
    first = lead_text(answer.answer).replace(" ", "")
    assert "1个月内" in first and "备案" in first, answer.answer


def test_an_effective_date_is_the_date_written_beside_taking_effect(answerer):
    answer = ask(answerer, "When does E6(R3) start to apply to trials in China?")
    assert "2026-03-31" in lead_text(answer.answer)


def test_a_status_asked_of_a_named_rule_is_stated_from_the_catalog(answerer):
    """Phrased unlike any gold question: the corpus states the pilot's length, the catalog its status."""
    answer = ask(answerer, "国药监药注函〔2024〕55号批复的试点为期多久？这个批复现在还能用吗？")
    body = answer.answer.split("\n\n")[0]
    assert not answer.abstained and "1 年" in body and "已被取代。" in body, answer.answer
    assert "superseded" in {c.chunk.meta["status"] for c in answer.citations}
    english = ask(answerer, "Is the 2019 draft regulation on biomedical new technologies binding now?")
    assert "draft" in english.answer.split("\n\n")[0]


def test_no_status_statement_when_the_question_does_not_ask_for_one(answerer):
    answer = ask(answerer, "国药监药注函〔2024〕55号的试点期多长？")
    assert "已被取代。" not in answer.answer.split("\n\n")[0]


def test_the_level_of_a_hospital_is_answered_by_its_grade(answerer):
    answer = ask(answerer, "Which grade of hospital can host a clinical study of a new biomedical technology "
                           "under the 818 regulation?")
    assert "Grade III-A" in answer.answer


def test_a_rule_named_by_year_and_subject_answers_from_that_rule(answerer):
    answer = ask(answerer, "How many members must an ethics committee have at minimum under the 2023 ethics measures?")
    assert "at least 7" in lead_text(answer.answer)
    assert {c.chunk.meta["doc_id"] for c in answer.citations} >= {"ethics-2023-en"}


@pytest.mark.parametrize("question", ["伦理委员会委员一届任期多长？", "What is the term of office of ethics committee members?"])
def test_a_question_on_a_detail_no_rule_states_abstains(question, answerer):
    """The words of the topic ("伦理委员会" and the four pieces jieba cuts from it) do not outweigh the
    one the question hinges on (任期, term of office), which no clause states."""
    assert ask(answerer, question).abstained


def test_everyday_words_find_the_sops_own(answerer):
    """"没有" for the SOP's "缺少", "结论" for its "决定": the question is answered, not abstained."""
    answer = ask(answerer, "术语库里没有的词怎么处理？几天给结论？", role="staff")
    assert not answer.abstained and "F-MW-03" in answer.answer and "3 个工作日" in answer.answer


def test_who_regulates_now_names_the_current_authority(answerer):
    """The implementing rules still name MOST; their note that the duties moved to the NHC is
    quoted with the article, not dropped as an aside."""
    assert "国家卫生健康委" in lead_text(ask(answerer, "人遗行政许可现在归谁管？还是科技部吗？").answer)


@pytest.mark.parametrize("question,fact", [("免疫细胞治疗产品临床试验技术指导原则一共有几个部分？", "三部分"),
                                           ("How many parts does the immune cell therapy clinical trial guideline have?",
                                            "three parts")])
def test_the_words_naming_a_rule_do_not_choose_its_sentence(answerer, question, fact):
    """Every sentence of the guideline that repeats its title covered the question's words better
    than the one stating its parts."""
    assert fact in lead_text(ask(answerer, question).answer)


@pytest.mark.parametrize("question,facts", [("“双轨制”指的是什么？", ("医疗技术", "药品")),
                                            ("What does dual track mean for cell therapies in China?",
                                             ("medical technology", "drug"))])
def test_a_definition_is_the_sentence_under_the_heading_that_defines_the_term(answerer, question, facts):
    """The defining sentence need not repeat the term: its heading ("何为“双轨制”") names it."""
    first = lead_text(ask(answerer, question).answer)
    assert all(fact in first for fact in facts), first


def test_rounds_beyond_the_quote_find_the_change_order(answerer):
    """"多出来的" for the SOP's "超出部分": the second question is answered, not only the first."""
    answer = ask(answerer, "研究方案报价包括几轮审阅？多出来的审阅怎么处理？", role="staff")
    assert "变更单" in answer.answer and "三轮" in answer.answer


def test_who_approves_a_regulatory_permission_names_the_authority(answerer):
    assert "NHC" in ask(answerer, "Who approves the export of HGR samples from China?").answer


def test_a_percentage_in_words_picks_its_row(answerer):
    assert "CFO" in lead_text(ask(answerer, "Who approves a discount above 10 percent?", role="staff").answer)


@pytest.mark.parametrize("question", ["Can a patient who is not in the trial get the drug through compassionate use?",
                                      "临床试验期间，未入组的患者能否同情使用试验用药？"])
def test_compassionate_use_finds_the_expanded_access_article(answerer, question):
    """The termbase's "compassionate use" / "同情使用" reach the Drug Administration Law's Article 23."""
    answer = ask(answerer, question)
    assert not answer.abstained and {c.chunk.meta["source_id"] for c in answer.citations} >= {"drug-admin-law-2019"}
    assert not answer.answer.startswith(("No.", "不可以"))


@pytest.mark.parametrize("question,fact,article", [
    ("研究机构向受试者收取研究费用，会被怎么罚？", "5倍", "第四十九条"),
    ("开展干细胞临床研究的医院需要什么资质？", "三级甲等", ""),
])
def test_an_articles_heading_is_what_its_first_sentence_is_about(answerer, question, fact, article):
    """Article 49's one sentence ("由市场监督管理部门责令退还，处所收费用5倍以下罚款") names neither
    the subjects nor the fees: its heading "向受试者收费" does, and the penalty leads over the ban."""
    first = lead_text(ask(answerer, question).answer)
    assert fact in first and article in first, first


def test_the_clause_an_answer_leads_with_counts_towards_its_support(answerer):
    """The SOP clause that answers ranks below the three best clauses, which are the national
    rules on SUSARs: judged on those alone, the question abstained."""
    answer = ask(answerer, "New safety info or a SUSAR arrives from the client: what is our deadline to send it "
                           "on to the PIs?", role="staff")
    assert not answer.abstained and "2 working days" in lead_text(answer.answer)


@pytest.mark.parametrize("question,sides", [
    ("30个工作日通道和常规审评相比快多少？", ("30 个工作日", "60 个工作日")),
    ("How much faster is the 30-working-day IND channel than the standard review?", ("30 working days", "60")),
])
def test_a_comparison_states_both_sides(answerer, question, sides):
    """The fast channel's 30 working days alone do not say how much faster it is."""
    answer = ask(answerer, question).answer
    assert all(side in answer for side in sides), answer


def test_which_article_says_so_keeps_the_answer_on_the_question(answerer):
    first = lead_text(ask(answerer, "Must the hospital running a biomedical new technology study be 三级甲等? "
                                    "Which article?").answer)
    assert "Grade III-A" in first and "Art" in first, first


def test_which_chapter_is_answered_with_the_chapter(answerer):
    assert "第八章" in lead_text(ask(answerer, "临床试验期间的药物警戒在 GVP 第几章？").answer)


@pytest.mark.parametrize("question,fact", [("药品注册管理办法说IND审评六十日，是按工作日还是自然日？", "工作日"),
                                           ("Is the 60-day IND review counted in calendar days?", "60 working days")])
def test_which_kind_of_day_is_answered_by_the_limit_in_named_days(answerer, question, fact):
    """The Provisions write "六十日"; the Drug Administration Law's 60 working days answer the question."""
    assert fact in lead_text(ask(answerer, question).answer)


def test_a_documents_length_is_its_pages(answerer):
    """The key point "Length: 29 pages." is short, but it is the whole answer."""
    assert "29 pages" in lead_text(ask(answerer, "How many pages does the CDE CGT clinical communication "
                                                 "guideline have?").answer)


def test_a_refusal_names_the_way_that_is_open(answerer):
    """"No." alone leaves a sponsor at a dead end; the rule's way round (cooperation with a
    Chinese entity) follows it."""
    answer = ask(answerer, "Can a foreign-owned company in Shanghai collect and bank blood samples from "
                           "Chinese patients itself?")
    assert lead_text(answer.answer).startswith("No.")
    assert "only in cooperation with a Chinese" in answer.answer or "cooperation with a Chinese party" in answer.answer


def test_whether_a_guideline_is_final_is_answered_with_its_trial_status(answerer):
    answer = ask(answerer, "Is CDE's 2021 non-clinical guideline for gene therapy products a final text, "
                           "and when did it take effect?")
    assert "trial" in lead_text(answer.answer).lower() and "2021-11-30" in answer.answer


def test_a_deadline_is_not_led_by_the_number_the_question_gives(answerer):
    answer = ask(answerer, "30日通道获批后多久内必须启动临床试验？")
    assert "12 周" in lead_text(answer.answer)


def test_asked_what_a_guideline_applies_to_the_answer_names_the_products(answerer):
    answer = ask(answerer, "Which products does CDE's clinical communication guideline for CGT products apply to?")
    first = lead_text(answer.answer).lower()
    assert "applies to" in first and "gene therapy" in first


def test_asked_when_a_reporting_clock_starts_the_answer_names_day_0(answerer):
    """The rules write the start of the clock as "day 0" ("第 0 天"); people ask for "起算日"."""
    answer = ask(answerer, "非致死、非危及生命的SUSAR最迟多少天报告？起算日怎么定？")
    assert "15 天" in lead_text(answer.answer) and "第 0 天" in answer.answer


def test_a_chinese_grade_in_an_english_question_meets_the_english_grade(answerer):
    """"三级甲等" in an English question is the "Grade III-A" of the English texts, written with or
    without "hospital"."""
    answer = ask(answerer, "Does the research site under the new biomedical technology regulation have to be 三级甲等? Which article says so?")
    assert "Grade III-A" in lead_text(answer.answer)
