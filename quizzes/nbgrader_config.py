# Cấu hình nbgrader của khóa học Cảnh giác. Các thiết lập chung của khóa học, kèm lý do,
# nằm trong canhgiac.assign.config (gói cài cùng khóa học): giữ nguyên hai dòng lệnh dưới đây.
from canhgiac.assign.config import configure

configure(get_config(), __file__)  # noqa: F821 - nbgrader provides get_config

# Thiết lập riêng của đợt học này: bỏ dấu # ở đầu dòng cần dùng rồi sửa giá trị.
# Số thập phân viết với dấu chấm (0.8, không viết 0,8); chữ đặt giữa hai dấu ngoặc kép.
# Xem mục "Thiết lập của khóa học" trong hướng dẫn dành cho cán bộ phụ trách.
#
# Sổ điểm trên PostgreSQL (mặc định: tệp gradebook.db trong thư mục này). Đặt thiết lập này
# TRƯỚC lần chạy nbgrader generate_assignment đầu tiên; không ghi mật khẩu vào tệp này.
# c.CourseDirectory.db_url = "postgresql://canbo@127.0.0.1:5432/canhgiac_2026"
#
# Ngưỡng đạt: tỷ lệ số điểm của bài, một số từ 0 đến 1 (0.8 là 80%).
# c.CourseRules.pass_mark = 0.8
# True: học viên phải đạt cả các bài theo chương, không chỉ bài kiểm tra cuối khóa.
# c.CourseRules.require_chapter_quizzes = False
# Lần làm bài được tính khi một người nộp nhiều lần: "latest" (lần sau cùng) hoặc "best" (lần điểm cao nhất).
# c.CourseRules.attempt = "latest"
#
# Giấy chứng nhận: cơ quan cấp, nơi cấp, chức danh người ký.
# c.CertificateSettings.issuer = "ỦY BAN NHÂN DÂN XÃ ĐÌNH LẬP"
# c.CertificateSettings.place = "Đình Lập"
# c.CertificateSettings.signer_title = "CHỦ TỊCH"
