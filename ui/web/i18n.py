"""Interface text in English and Chinese, and which text each component shows.

Every label is written once, here: the layout builds each component from ``texts(key, ui)`` and
the language switch relabels it from the same call, so the two can never disagree. The answer's
language follows the question, not this.
"""

from __future__ import annotations

from typing import Callable

from iitkb.schema import STATUSES

UI_LANGS = ("English", "中文")
DEFAULT_UI = UI_LANGS[0]

# key -> (English, Chinese)
TEXT = {
    "title": ("iitkb: regulatory assistant for cell and gene therapy IITs in China",
              "iitkb：中国细胞和基因治疗研究者发起的临床研究（IIT）法规助手"),
    "intro": ("Ask in English or Chinese. Every sentence of an answer cites the clause it comes from; "
              "check the sources panel before relying on it.",
              "可用中文或英文提问。答案的每一句都标注出处条款，使用前请在来源栏核对原文。"),
    "ui_lang": ("Interface language", "界面语言"),
    "tab_chat": ("Ask", "问答"),
    "tab_questionnaire": ("Feasibility questionnaire", "可行性问卷"),
    "tab_documents": ("Documents", "文档管理"),
    "chat": ("Answers with citations", "带引用的回答"),
    "placeholder": ("Pick an example or type a question below.", "选择一个示例问题，或在下方输入您的问题。"),
    "question": ("Your question", "您的问题"),
    "question_hint": ("e.g. Can I run a CAR-T IIT without an IND?",
                      "例如：境外申办方把样本运出境需要人类遗传资源审批吗？"),
    "ask": ("Ask", "提问"),
    "empty": ("Type a question first.", "请先输入问题。"),
    "clear": ("New conversation", "新对话"),
    "filters": ("Filters", "筛选"),
    "f_lang": ("Document language", "文件语言"),
    "any": ("Any", "不限"),
    "f_type": ("Document type", "文件类型"),
    "f_status": ("Status", "效力状态"),
    "f_status_info": ("Leave empty for all: drafts and superseded rules then rank lower.",
                      "不选则包括全部：草案和已被取代的规定排序靠后。"),
    "f_as_of": ("As of (YYYY-MM-DD)", "截至日期（YYYY-MM-DD）"),
    "f_as_of_info": ("Only rules in force on that date.", "仅包括该日期有效的规定。"),
    "sources": ("Sources", "来源"),
    "sources_empty": ("The sources of an answer appear here: the document, its clause and status, and "
                      "the quoted sentence highlighted in the clause.",
                      "答案的来源显示在这里：文件、条款、效力状态，并在条款原文中高亮所引用的句子。"),
    "no_sources": ("No sources: the knowledge base does not cover this question.",
                   "没有来源：知识库未涵盖这个问题。"),
    "open": ("open the source", "打开原文"),
    "page_n": ("p. {page}", "第 {page} 页"),
    "searching": ("Searching the knowledge base…", "正在检索知识库……"),
    "slow_down": ("You have asked {limit} questions in the last {minutes:g} minute(s): please wait "
                  "{wait:.0f} s before the next one. For many questions at once, use the feasibility "
                  "questionnaire tab.",
                  "您在最近 {minutes:g} 分钟内已提问 {limit} 次，请等待 {wait:.0f} 秒后再提问。"
                  "如需一次回答多个问题，请使用“可行性问卷”标签页。"),
    "q_slow_down": ("You have run {limit} questionnaires in the last {minutes:g} minutes: please wait "
                    "{wait:.0f} s before the next one.",
                    "您在最近 {minutes:g} 分钟内已运行 {limit} 份问卷，请等待 {wait:.0f} 秒后再运行。"),
    "q_intro": ("Upload a questionnaire (CSV, XLSX, DOCX, TXT or JSONL: one question per row or "
                "paragraph) or paste questions, one per line. The answers are drafts: review them "
                "against the cited sources before sending them to a sponsor.",
                "上传问卷（CSV、XLSX、DOCX、TXT 或 JSONL：每行或每段一个问题），或粘贴问题（每行一个）。"
                "答案均为草稿，发送给申办方前请对照所引来源审核。"),
    "q_file": ("Questionnaire file", "问卷文件"),
    "q_text": ("…or paste questions, one per line", "……或粘贴问题，每行一个"),
    "q_find": ("Find the questions", "识别问题"),
    "q_internal": ("Include internal references (staff only; never for a draft going to a sponsor)",
                   "包含内部参考资料（仅限员工；发给申办方的草稿不要勾选）"),
    "q_review": ("Questions found: untick a row to skip it, edit a question to change what is asked",
                 "识别到的问题：取消勾选可跳过该行，修改问题可改变提问内容"),
    "q_run": ("Draft answers", "起草答案"),
    "q_table": ("Draft answers", "答案草稿"),
    "dl_docx": ("Download the filled-in questionnaire", "下载已填写的问卷"),
    "dl_md": ("Download Markdown", "下载 Markdown"),
    "d_intro": ("Add documents to the index: {types}, up to {mb:g} MB each. Front matter or a "
                ".meta.yaml sidecar supplies the metadata; a document that declares itself internal "
                "stays internal whatever is chosen here.",
                "向索引添加文件：{types}，每个不超过 {mb:g} MB。元数据来自文件头（front matter）或 "
                ".meta.yaml 附属文件；文件自身声明为内部的，无论此处如何选择都保持内部。"),
    "d_files": ("Files to ingest", "要导入的文件"),
    "d_access": ("Access", "访问权限"),
    "public": ("public: sponsors can see it", "公开：申办方可见"),
    "internal": ("internal: staff only", "内部：仅员工可见"),
    "d_run": ("Ingest", "导入"),
    "d_report": ("Run report", "运行报告"),
    "d_table": ("Indexed documents", "已索引的文件"),
    "d_pick": ("Document to remove", "要移除的文件"),
    "d_remove": ("Remove from index", "从索引中移除"),
    "removed": ("Removed {doc_id} from the index.", "已从索引中移除 {doc_id}。"),
    "signed_in": ("Signed in as **{name}** ({role}) · [log out](logout)",
                  "已登录：**{name}**（{role}）· [退出登录](logout)"),
    "anonymous": ("Anonymous use: public documents only.", "匿名使用：仅可查看公开文件。"),
}
ROLE_NAMES = {"sponsor": ("sponsor", "申办方"), "staff": ("staff", "员工"), "admin": ("admin", "管理员")}
STATUS_NAMES = {"in_force": ("in force", "现行有效"), "trial": ("trial", "试行"),
                "draft": ("draft", "征求意见稿"), "superseded": ("superseded", "已被取代"),
                "not_yet_in_force": ("not yet in force", "尚未施行")}


def _side(ui: str) -> int:
    return 1 if ui == "中文" else 0


def t(key: str, ui: str) -> str:
    """Interface text in the chosen interface language."""
    return TEXT[key][_side(ui)]


def ui_for(lang: str) -> str:
    """The interface language that matches a question's language (for messages outside a page)."""
    return "中文" if lang == "zh" else DEFAULT_UI


def role_name(role: str, ui: str) -> str:
    return ROLE_NAMES[role][_side(ui)]


def status_name(status: str, ui: str) -> str:
    return STATUS_NAMES.get(status, (status, status))[_side(ui)]


def lang_choices(ui: str) -> list[tuple[str, str]]:
    return [(t("any", ui), "any"), ("中文 (zh)", "zh"), ("English (en)", "en")]


def status_choices(ui: str) -> list[tuple[str, str]]:
    return [(status_name(s, ui), s) for s in STATUSES]


def access_choices(ui: str) -> list[tuple[str, str]]:
    return [(t("internal", ui), "internal"), (t("public", ui), "public")]


def _header(ui: str) -> str:
    return f"### {t('title', ui)}\n{t('intro', ui)}"


def _sources_title(ui: str) -> str:
    return f"#### {t('sources', ui)}"


Text = str | Callable[[str], object]
# component key -> {constructor argument: TEXT key, or a function of the interface language}.
# Components whose text depends on more than the language (who is signed in, the document types a
# role may see, the latest sources) are relabelled by their own tab as well.
COMPONENTS: dict[str, dict[str, Text]] = {
    "header": {"value": _header},
    "ui": {"label": "ui_lang"},
    "chat_tab": {"label": "tab_chat"},
    "q_tab": {"label": "tab_questionnaire"},
    "docs_tab": {"label": "tab_documents"},
    "chatbot": {"label": "chat", "placeholder": "placeholder"},
    "question": {"label": "question", "placeholder": "question_hint"},
    "ask": {"value": "ask"},
    "clear": {"value": "clear"},
    "filters": {"label": "filters"},
    "lang": {"label": "f_lang", "choices": lang_choices},
    "doc_type": {"label": "f_type"},
    "as_of": {"label": "f_as_of", "info": "f_as_of_info"},
    "status": {"label": "f_status", "info": "f_status_info", "choices": status_choices},
    "sources_title": {"value": _sources_title},
    "q_intro": {"value": "q_intro"},
    "q_file": {"label": "q_file"},
    "q_text": {"label": "q_text"},
    "q_find": {"value": "q_find"},
    "q_internal": {"label": "q_internal"},
    "q_review": {"label": "q_review"},
    "q_run": {"value": "q_run"},
    "q_table": {"label": "q_table"},
    "dl_docx": {"label": "dl_docx"},
    "dl_md": {"label": "dl_md"},
    "d_files": {"label": "d_files"},
    "d_access": {"label": "d_access", "choices": access_choices},
    "d_run": {"value": "d_run"},
    "d_report": {"label": "d_report"},
    "d_table": {"label": "d_table"},
    "d_pick": {"label": "d_pick"},
    "d_remove": {"value": "d_remove"},
}


def texts(key: str, ui: str = DEFAULT_UI) -> dict:
    """The constructor arguments that carry text for component ``key``, in language ``ui``."""
    return {arg: (t(text, ui) if isinstance(text, str) else text(ui))
            for arg, text in COMPONENTS[key].items()}
