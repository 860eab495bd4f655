"""Real questionnaires as sponsors send them, built with python-docx and openpyxl."""

from __future__ import annotations

from pathlib import Path

QUESTIONS_EN = ["What reviews must a study pass before institutional approval?",
                "How are grade 3 cytokine release syndrome events reported?",
                "What is the best recipe for sourdough bread?"]
QUESTIONS_ZH = ["人类遗传资源样本出境需要审批吗？", "临床研究立项前需要通过哪些审查？"]
INSTRUCTION = "Instructions: please answer every question in the Answer column and return this form by 30 June."
TITLE = "Site feasibility questionnaire 2025"


def table_docx(path: Path, questions: list[str] | None = None) -> Path:
    """A title, an instruction paragraph, and a No./Question/Answer table with a merged
    two-row header, a section row spanning the table and an empty row."""
    import docx
    from docx.shared import Pt

    questions = questions or [QUESTIONS_EN[0], QUESTIONS_ZH[0], QUESTIONS_EN[1], QUESTIONS_EN[2]]
    document = docx.Document()
    document.add_heading(TITLE, level=0)
    document.add_paragraph(INSTRUCTION)
    table = document.add_table(rows=2, cols=3)
    table.style = "Table Grid"
    table.cell(0, 0).merge(table.cell(1, 0)).text = "No."          # merged vertically over two header rows
    table.cell(0, 1).merge(table.cell(1, 1)).text = "Question / 问题"
    table.cell(0, 2).text, table.cell(1, 2).text = "Answer / 答复", "(site to complete)"
    for cell in table.rows[0].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True
    section = table.add_row().cells
    section[0].merge(section[2]).text = "Part A: Regulatory review"
    for number, question in enumerate(questions, start=1):
        cells = table.add_row().cells
        cells[0].text = str(number)
        run = cells[1].paragraphs[0].add_run(question)
        run.font.name, run.font.size = "Arial", Pt(9)
        blank = cells[2].paragraphs[0].add_run("")
        blank.font.name, blank.font.size = "Arial", Pt(9)
    table.add_row()                                                    # an empty row at the end
    document.add_paragraph("Thank you.")
    return _save(document, path)


def numbered_docx(path: Path) -> Path:
    """Questions as Word-numbered and typed-numbered paragraphs, under section titles, with a
    bullet list of options and an "Answer: ____" line."""
    import docx

    document = docx.Document()
    document.add_heading(TITLE, level=1)
    document.add_paragraph("请逐项填写以下问题，并于6月30日前返回。")
    document.add_paragraph("一、伦理与审查")
    document.add_paragraph(QUESTIONS_EN[0], style="List Number")
    document.add_paragraph("Answer: ____")
    document.add_paragraph(QUESTIONS_ZH[0], style="List Number")
    document.add_paragraph("Yes", style="List Bullet")
    document.add_paragraph("No", style="List Bullet")
    document.add_paragraph("2. Safety")
    document.add_paragraph(f"2.1 {QUESTIONS_EN[1]}")
    document.add_paragraph(f"2.2 {QUESTIONS_EN[2]}")
    return _save(document, path)


def two_sheet_xlsx(path: Path) -> Path:
    """Sheet "General": a merged title row, an instruction, the header on row 4 with the
    response header merged over two columns, a merged section row. Sheet "伦理": a title,
    then a Chinese header with its own Status column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "General"
    sheet["A1"] = TITLE
    sheet.merge_cells("A1:D1")
    sheet["A2"] = INSTRUCTION
    sheet.append([])
    sheet.append(["No.", "Question", "Site response", None])
    sheet.merge_cells("C4:D4")
    for cell in sheet[4]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    sheet.append([1, QUESTIONS_EN[0]])
    sheet.append(["Part B: Safety"])
    sheet.merge_cells("A6:D6")
    sheet.append([2, QUESTIONS_EN[1]])
    sheet.append([3, QUESTIONS_EN[2]])
    sheet.column_dimensions["B"].width = 55
    ethics = workbook.create_sheet("伦理")
    ethics["A1"] = "伦理与人类遗传资源"
    ethics.append(["序号", "问题", "答复", "状态"])
    ethics["B2"].font = Font(bold=True)
    for number, question in enumerate(QUESTIONS_ZH, start=1):
        ethics.append([number, question])
    ethics.append([None, None])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(str(path))
    return path


def gb18030_csv(path: Path) -> Path:
    """Semicolon-delimited, GB18030-encoded, as Excel saves "CSV" on a Chinese Windows."""
    rows = ["编号;问题;备注", f"1;{QUESTIONS_ZH[0]};", f"2;{QUESTIONS_EN[0]};急", "3;;", f"4;{QUESTIONS_ZH[1]};"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))
    return path


def _save(document, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
