#include "data/jpeg_decode.h"

#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t declared first

#include <jpeglib.h>

namespace kdup {

namespace {

// libjpeg reports a fatal error through error_exit, which must not return: it jumps back to
// decode_jpeg's setjmp (only libjpeg's C frames lie in between, so no destructor is skipped).
struct JumpingErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jump_on_error(j_common_ptr info) {
  auto* manager = reinterpret_cast<JumpingErrorManager*>(info->err);
  manager->base.format_message(info, manager->message);
  std::longjmp(manager->jump, 1);
}

void ignore_message(j_common_ptr) {}

}  // namespace

bool looks_like_jpeg(const uint8_t* bytes, size_t size) {
  return size >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

bool decode_jpeg(const uint8_t* bytes, size_t size, int max_side, std::vector<uint8_t>& rgb,
                 int& width, int& height, std::string& error) {
  jpeg_decompress_struct info;
  JumpingErrorManager errors;
  info.err = jpeg_std_error(&errors.base);
  errors.base.error_exit = jump_on_error;
  errors.base.output_message = ignore_message;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&info);
    error = errors.message;
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes, static_cast<unsigned long>(size));
  jpeg_read_header(&info, TRUE);
  if (info.image_width > static_cast<JDIMENSION>(max_side) ||
      info.image_height > static_cast<JDIMENSION>(max_side)) {
    error = "JPEG of " + std::to_string(info.image_width) + "x" +
            std::to_string(info.image_height) + " is larger than " + std::to_string(max_side) +
            " a side";
    jpeg_destroy_decompress(&info);
    return false;
  }
  info.out_color_space = JCS_RGB;
  jpeg_start_decompress(&info);
  width = static_cast<int>(info.output_width);
  height = static_cast<int>(info.output_height);
  rgb.assign(static_cast<size_t>(width) * height * 3, 0);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = rgb.data() + static_cast<size_t>(info.output_scanline) * width * 3;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

}  // namespace kdup
