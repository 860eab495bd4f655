"""A small bilingual index shared by the retrieval tests: a rule in zh and en, a draft it
replaced, a guidance in English only, and an internal SOP with distinctive phrases."""

import pytest

from iitkb.settings import Settings
from tests.conftest import front, write

RULE_ZH = """文件概况：本办法由国家卫生健康委发布，现行有效。
## 第一章 总则
### 第一条
医疗卫生机构是研究者发起的临床研究的责任主体，不以药品注册为目的。
## 第二章 审查
### 第十条
每项临床研究应当通过科学性审查和伦理审查后方可立项。
### 第二十条
人类遗传资源样本出境须经国务院卫生健康主管部门审批。
"""
RULE_EN = """Overview: issued by the NHC and in force.
## Chapter 1 General Provisions
### Article 1
The health institution is the responsible party for investigator-initiated research, which is not aimed at drug registration.
## Chapter 2 Review
### Article 10
Every study must pass scientific review and ethics review before institutional approval.
"""
DRAFT_EN = """Overview: a 2019 consultation draft that never took effect.
## 1. Review
### 1.1 Approval
Under the draft, every study must pass scientific review and ethics review before approval by the provincial authority.
"""
GUIDE_EN = """## 1. Cytokine release syndrome
Sponsors grade cytokine release syndrome (CRS) with a consensus scale and report grade 3 events within 7 days.
"""
SOP_EN = """## 1. Purpose
Project FALCON-7 covers SAE intake for hospital sites.
## 4. Procedure
### 4.1 Intake
The safety desk logs every SAE on form F-SAE-01 within 24 hours and escalates to the Medical Monitor on call.
"""
SOP_ZH = """## 1. 目的
FALCON-7 项目规定医院中心的 SAE 接收流程。
## 4. 程序
### 4.1 接收
安全组在 24 小时内用表单 F-SAE-01 登记每例 SAE，并上报值班医学监查员。
"""


GLOSSARY = """en\tzh\tabbr\taliases\tnote
human genetic resources\t人类遗传资源\tHGR\t人遗|genetic resources\t
export\t出境\t\tabroad|send abroad|ship abroad\t
approval\t审批\t\tapprove\t
biological sample\t生物样本\t\tsample|samples|样本\t
cytokine release syndrome\t细胞因子释放综合征\tCRS\t\t
ethics review\t伦理审查\t\tIRB review|EC review\t
scientific review\t科学性审查\t\t学术审查\t
"""


def build_corpus(root):
    write(root / "rule.zh.md", front("rule-zh", "zh", "研究者发起的临床研究管理办法", RULE_ZH, source_id="rule",
                                     issuer="国家卫生健康委", doc_number="国卫科教发〔2024〕32号",
                                     effective="2024-10-01", supersedes="[old-draft]"))
    write(root / "rule.en.md", front("rule-en", "en", "Measures on Investigator-Initiated Clinical Research",
                                     RULE_EN, source_id="rule", issuer="NHC", doc_number="Guo Wei Ke Jiao Fa [2024] No. 32",
                                     effective="2024-10-01", supersedes="[old-draft]"))
    write(root / "draft.en.md", front("old-draft-en", "en", "Draft Measures on Clinical Research", DRAFT_EN,
                                      source_id="old-draft", status="superseded", issued="2019-03-01",
                                      superseded_by="[rule]"))
    write(root / "guide.en.md", front("crs-guide-en", "en", "Guideline on Immune Cell Therapy Trials", GUIDE_EN,
                                      source_id="crs-guide", doc_type="guidance", status="trial",
                                      effective="2021-02-09"))
    write(root / "sop.en.md", front("sop-sae-en", "en", "SOP Safety Desk SAE Intake", SOP_EN, source_id="sop-sae",
                                    doc_type="sop", access="internal"))
    write(root / "sop.zh.md", front("sop-sae-zh", "zh", "安全组 SAE 接收 SOP", SOP_ZH, source_id="sop-sae",
                                    doc_type="sop", access="internal"))
    return root


@pytest.fixture(scope="package")
def index_settings(tmp_path_factory, e5):
    from ingest.pipeline import Ingestor

    root = tmp_path_factory.mktemp("kb")
    glossary = write(root / "glossary.tsv", GLOSSARY)
    settings = Settings(data_dir=root / "data", glossary_path=glossary)
    ingestor = Ingestor(settings, embedder=e5)
    report = ingestor.run([build_corpus(root / "corpus")])
    ingestor.close()
    assert report.added == 6 and not report.skipped
    return settings


@pytest.fixture(scope="package")
def searcher(index_settings, e5):
    from retrieval.search import Searcher

    return Searcher(index_settings, embedder=e5)
