"""The official-format eval on two tiny rules written here: every article its own unit with its label
and chapter, the header's metadata read, and an English question reaching the Chinese-only article."""

from evals.gold import GoldQuestion
from evals.official_eval import evaluate, read_rule, render
from tests.conftest import write

SAMPLES = """---
source_id: sample-storage-2025
title: 临床研究样本保存管理办法
issuer: 国家卫生健康委
doc_number: 国卫科教发〔2025〕98号
issued: 2025-03-10
effective: 2025-05-01
---
本段是概述，不属于条文。

## 第一章 总则

### 第一条 目的
为了规范临床研究样本的保存，制定本办法。

### 第二条 适用范围
本办法适用于医疗卫生机构开展临床研究时采集的人体样本。

## 专题：我们的归纳
这一节不是规则的条文。

## 第三章 运输

### 第九条 泄漏报告
样本运输途中发生泄漏或者丢失的，承运人员应当在二十四小时内报告研究者。

### 第十条 包装
样本运输应当使用符合生物安全要求的包装，并由双人交接。
"""

ETHICS = """---
source_id: sample-ethics-2024
title: 示例机构伦理委员会工作规则
issuer: 国务院
doc_number: 国务院令第999号
issued: 2024-01-02
effective: 2024-03-01
---
## 第一章 组成

### 第一条 人数
伦理委员会由七名以上委员组成，其中至少一名为非本机构人员。

### 第二条 任期
委员任期五年，可以连任。

## 第二章 会议

### 第九条 法定人数
审查会议应当有过半数委员出席，决定须经到会委员三分之二以上同意。
"""

QUESTION = GoldQuestion("t-en", "Within how many hours must a leaked or lost sample in transport be reported?",
                        "en", relevant=["sample-storage-2025"], facts=[["二十四小时"]])


def test_corpus_rule_renders_as_an_official_text_without_our_words(tmp_path):
    rule = read_rule(write(tmp_path / "sample-storage-2025.zh.md", SAMPLES))
    text = render(rule, "txt")
    assert text.startswith("临床研究样本保存管理办法\n（2025年3月10日国家卫生健康委国卫科教发〔2025〕98号公布")
    assert "　　第九条　样本运输途中" in text and "泄漏报告" not in text
    assert "概述" not in text and "专题" not in text and "---" not in text


def test_official_eval_labels_every_article_and_reaches_the_chinese_article_in_english(tmp_path, e5):
    rules = tmp_path / "rules"
    write(rules / "sample-storage-2025.zh.md", SAMPLES)
    write(rules / "sample-ethics-2024.zh.md", ETHICS)
    result = evaluate(tmp_path / "run", {"sample-storage-2025": "txt", "sample-ethics-2024": "md"},
                      embedder=e5, facts={"t-en": QUESTION.facts}, questions=[QUESTION], rules_dir=rules)
    assert result["documents"] == 2 and not result["skipped"]
    assert result["articles"] == 1.0, result["articles_wrong"]
    assert result["metadata_wrong"] == {"sample-storage-2025-official": {}, "sample-ethics-2024-official": {}}
    assert result["en_hit5"] == 1.0 and result["en_clause5"] == 1.0, result["rows"]
    assert result["en_facts"] == 1.0, result["rows"]          # answered, quoting the Chinese article
    assert result["en_out_of_scope_answered"] <= 0.1          # and the gold's near misses still abstain


def test_a_laws_header_names_the_legislature_and_the_decree_without_the_date():
    from ingest.loaders import Line
    from ingest.metadata import read_metadata

    lines = [Line("中华人民共和国示例法"), Line("（2019年8月26日全国人民代表大会常务委员会中华人民共和国主席令"
                                             "第三十一号公布　自2019年12月1日起施行）"), Line("第一条　为了示例，制定本法。")]
    read = read_metadata(lines)
    assert (read["doc_number"], read["issuer"]) == ("主席令第三十一号", "全国人民代表大会常务委员会")
    assert (read["issued"], read["effective"]) == ("2019-08-26", "2019-12-01")
    decree = read_metadata([Line("示例条例"), Line("（2019年5月28日国务院令第717号公布）"), Line("第一条　示例。")])
    assert (decree["doc_number"], decree["issuer"]) == ("国务院令第717号", "国务院")


def test_every_official_fact_is_in_a_relevant_rules_articles_and_not_in_its_question():
    from evals.gold import load_gold
    from evals.official_eval import DEFAULT_RULES, RULES, load_facts

    texts = {s: render(read_rule(RULES / f"{s}.zh.md"), "txt") for s in DEFAULT_RULES}
    gold = {q.id: q for q in load_gold()}
    facts = load_facts()
    assert {gold[i].lang for i in facts} == {"en", "zh"}
    for question_id, groups in facts.items():
        q = gold[question_id]
        for alternative in (a for group in groups for a in group):
            assert alternative not in q.question, (question_id, alternative)
            assert any(alternative in texts[s] for s in q.relevant if s in texts), (question_id, alternative)
