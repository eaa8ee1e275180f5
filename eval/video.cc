// MP4 encoding of rollout frames with FFmpeg's libraries (libavcodec / libavformat / libswscale).
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <stdexcept>
#include <string>

#include "eval/recording.h"

namespace wambench {
namespace {

std::string av_error(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof(buf));
  return buf;
}

// Owns the FFmpeg objects of one encode; frees them in any case.
struct Encoder {
  AVFormatContext* fmt = nullptr;
  AVCodecContext* codec = nullptr;
  SwsContext* sws = nullptr;
  AVFrame* frame = nullptr;
  AVFrame* rgb = nullptr;  // the source frame, in a buffer FFmpeg allocated (aligned and padded)
  AVPacket* packet = nullptr;
  bool io_open = false;
  ~Encoder() {
    if (packet) av_packet_free(&packet);
    if (frame) av_frame_free(&frame);
    if (rgb) av_frame_free(&rgb);
    if (sws) sws_freeContext(sws);
    if (codec) avcodec_free_context(&codec);
    if (fmt) {
      if (io_open) avio_closep(&fmt->pb);
      avformat_free_context(fmt);
    }
  }
};

}  // namespace

void write_mp4(const std::string& path, const std::vector<Image>& frames, int fps) {
  auto fail = [&](const std::string& what, int code = 0) {
    throw std::runtime_error("cannot write video '" + path + "': " + what + (code ? " (" + av_error(code) + ")" : ""));
  };
  if (frames.empty()) fail("no frames");
  if (fps <= 0) fail("frame rate must be positive");
  const int w = frames[0].width, h = frames[0].height;
  if (w <= 0 || h <= 0 || w % 2 || h % 2) fail("frame size must be even and positive, got " + std::to_string(w) + "x" + std::to_string(h));
  for (const Image& f : frames)
    if (f.width != w || f.height != h) fail("frames differ in size");

  av_log_set_level(AV_LOG_ERROR);  // no per-file encoder statistics on the terminal
  Encoder e;
  int rc = avformat_alloc_output_context2(&e.fmt, nullptr, "mp4", path.c_str());
  if (rc < 0 || !e.fmt) fail("no MP4 muxer", rc);
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (!codec) codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  if (!codec) fail("FFmpeg has neither an H.264 nor an MPEG-4 encoder");
  AVStream* stream = avformat_new_stream(e.fmt, nullptr);
  if (!stream) fail("cannot add a stream");
  e.codec = avcodec_alloc_context3(codec);
  e.codec->width = w;
  e.codec->height = h;
  e.codec->time_base = AVRational{1, fps};
  e.codec->framerate = AVRational{fps, 1};
  e.codec->pix_fmt = AV_PIX_FMT_YUV420P;
  e.codec->gop_size = 2 * fps;
  e.codec->thread_count = 1;  // workers already use every core
  if (e.fmt->oformat->flags & AVFMT_GLOBALHEADER) e.codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (std::string(codec->name) == "libx264") {
    av_opt_set(e.codec->priv_data, "preset", "veryfast", 0);
    av_opt_set(e.codec->priv_data, "crf", "20", 0);
  } else {
    e.codec->bit_rate = 2000000;
  }
  if ((rc = avcodec_open2(e.codec, codec, nullptr)) < 0) fail("cannot open the encoder", rc);
  if ((rc = avcodec_parameters_from_context(stream->codecpar, e.codec)) < 0) fail("codec parameters", rc);
  stream->time_base = e.codec->time_base;
  if ((rc = avio_open(&e.fmt->pb, path.c_str(), AVIO_FLAG_WRITE)) < 0) fail("cannot open the file", rc);
  e.io_open = true;
  if ((rc = avformat_write_header(e.fmt, nullptr)) < 0) fail("cannot write the header", rc);

  e.sws = sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr);
  e.frame = av_frame_alloc();
  e.packet = av_packet_alloc();
  if (!e.sws || !e.frame || !e.packet) fail("out of memory");
  e.frame->format = AV_PIX_FMT_YUV420P;
  e.frame->width = w;
  e.frame->height = h;
  if ((rc = av_frame_get_buffer(e.frame, 0)) < 0) fail("frame buffer", rc);
  // sws_scale's SIMD paths read past the end of a source row; a tightly packed std::vector ends at
  // the last pixel, and reading past it faults when the allocator put the buffer at the end of a
  // mapped page. So every frame is copied into an AVFrame of FFmpeg's own (padded) allocation.
  e.rgb = av_frame_alloc();
  if (!e.rgb) fail("out of memory");
  e.rgb->format = AV_PIX_FMT_RGB24;
  e.rgb->width = w;
  e.rgb->height = h;
  if ((rc = av_frame_get_buffer(e.rgb, 0)) < 0) fail("frame buffer", rc);

  auto drain = [&](const AVFrame* f) {
    int r = avcodec_send_frame(e.codec, f);
    if (r < 0) fail("encoding", r);
    while ((r = avcodec_receive_packet(e.codec, e.packet)) == 0) {
      // One frame long: without a duration the MP4 edit list ends where the last frame starts and
      // players drop that frame.
      e.packet->duration = 1;
      av_packet_rescale_ts(e.packet, e.codec->time_base, stream->time_base);
      e.packet->stream_index = stream->index;
      if ((r = av_interleaved_write_frame(e.fmt, e.packet)) < 0) fail("writing a packet", r);
    }
    if (r != AVERROR(EAGAIN) && r != AVERROR_EOF) fail("encoding", r);
  };
  for (size_t i = 0; i < frames.size(); ++i) {
    if ((rc = av_frame_make_writable(e.frame)) < 0) fail("frame buffer", rc);
    av_image_copy_plane(e.rgb->data[0], e.rgb->linesize[0], frames[i].rgb.data(), 3 * w, 3 * w, h);
    sws_scale(e.sws, e.rgb->data, e.rgb->linesize, 0, h, e.frame->data, e.frame->linesize);
    e.frame->pts = static_cast<int64_t>(i);
    drain(e.frame);
  }
  drain(nullptr);
  if ((rc = av_write_trailer(e.fmt)) < 0) fail("cannot write the trailer", rc);
}

VideoInfo probe_video(const std::string& path) {
  auto fail = [&](const std::string& what, int code = 0) {
    throw std::runtime_error("cannot read video '" + path + "': " + what + (code ? " (" + av_error(code) + ")" : ""));
  };
  av_log_set_level(AV_LOG_ERROR);
  AVFormatContext* fmt = nullptr;
  int rc = avformat_open_input(&fmt, path.c_str(), nullptr, nullptr);
  if (rc < 0) fail("cannot open", rc);
  struct Closer {
    AVFormatContext** fmt;
    AVCodecContext* codec = nullptr;
    AVPacket* packet = nullptr;
    AVFrame* frame = nullptr;
    ~Closer() {
      if (frame) av_frame_free(&frame);
      if (packet) av_packet_free(&packet);
      if (codec) avcodec_free_context(&codec);
      avformat_close_input(fmt);
    }
  } closer{&fmt};
  if ((rc = avformat_find_stream_info(fmt, nullptr)) < 0) fail("no stream information", rc);
  const AVCodec* decoder = nullptr;
  const int stream = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (stream < 0 || !decoder) fail("no decodable video stream", stream < 0 ? stream : 0);
  closer.codec = avcodec_alloc_context3(decoder);
  if ((rc = avcodec_parameters_to_context(closer.codec, fmt->streams[stream]->codecpar)) < 0) fail("codec parameters", rc);
  if ((rc = avcodec_open2(closer.codec, decoder, nullptr)) < 0) fail("cannot open the decoder", rc);
  closer.packet = av_packet_alloc();
  closer.frame = av_frame_alloc();
  VideoInfo info;
  info.codec = decoder->name;
  auto receive = [&]() {
    while ((rc = avcodec_receive_frame(closer.codec, closer.frame)) == 0) {
      ++info.frames;
      info.width = closer.frame->width;
      info.height = closer.frame->height;
    }
    if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF) fail("decoding", rc);
  };
  while (av_read_frame(fmt, closer.packet) >= 0) {
    if (closer.packet->stream_index == stream) {
      if ((rc = avcodec_send_packet(closer.codec, closer.packet)) < 0) fail("decoding", rc);
      receive();
    }
    av_packet_unref(closer.packet);
  }
  avcodec_send_packet(closer.codec, nullptr);
  receive();
  return info;
}

}  // namespace wambench
