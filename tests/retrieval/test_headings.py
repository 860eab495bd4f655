"""An official text with no front matter and no Markdown headings, only "第X条 ..." / "Article N
..." paragraphs: the article's own first paragraph is what a question is answered from, not a
heading to skip."""

import pytest

from retrieval.answer import Answerer
from tests.conftest import write

RULE_ZH = """涉及人的生物医学研究伦理审查办法
第一条 为规范涉及人的生物医学研究伦理审查工作，保护受试者的合法权益，制定本办法。
第二条 本办法适用于各级各类医疗卫生机构开展的涉及人的生物医学研究伦理审查工作。
第九条 伦理委员会的委员应当从生物医学领域和伦理学、法学、社会学等领域的专家和非本机构的社会人士中遴选产生，人数不得少于7人，并且应当有不同性别的委员。
第二十七条 对已批准实施的研究项目，伦理委员会应当指定委员进行跟踪审查，跟踪审查的委员不得少于2人。
"""
RULE_EN = """Measures for Ethical Review of Biomedical Research Involving Humans
Article 1 These Measures are made to regulate ethical review of biomedical research involving humans and to protect the lawful rights of participants.
Article 9 Committee members are chosen from experts in biomedicine, ethics, law and sociology and from lay people outside the institution; the committee has no fewer than 7 members, of both sexes.
Article 27 Follow-up review of an approved project is carried out by no fewer than 2 members of the committee.
"""


@pytest.fixture(scope="module")
def answerer(tmp_path_factory, e5):
    from iitkb.settings import PROJECT_ROOT, Settings
    from ingest.pipeline import Ingestor
    from retrieval.search import Searcher

    root = tmp_path_factory.mktemp("plain")
    write(root / "corpus" / "ethics-plain.zh.txt", RULE_ZH)
    write(root / "corpus" / "ethics-plain.en.txt", RULE_EN)
    settings = Settings(data_dir=root / "data", glossary_path=PROJECT_ROOT / "corpus" / "glossary.tsv")
    ingestor = Ingestor(settings, embedder=e5)
    report = ingestor.run([root / "corpus"])
    ingestor.close()
    assert report.added == 2 and not report.skipped, report.skipped
    return Answerer(settings, searcher=Searcher(settings, embedder=e5), generator=None)


@pytest.mark.parametrize("question,fact,wrong", [
    ("伦理委员会至少需要几名委员？", "不得少于7人", "不得少于2人"),
    ("How many members must an ethics committee have at least?", "no fewer than 7 members", "no fewer than 2"),
])
def test_the_article_text_on_the_label_line_is_quoted(answerer, question, fact, wrong):
    answer = answerer.ask(question, role="staff")      # a file without front matter is internal
    assert not answer.abstained
    first = answer.answer.split("[1]")[0]
    assert fact in first and wrong not in first
    quote = answer.citations[0].quote
    assert fact in quote and not quote.startswith(("第九条", "Article 9")), "the label is not part of the quote"
