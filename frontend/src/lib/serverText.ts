// The server explains a failed analysis in English; the most common of those sentences, in the page's language.
// Anything not listed stays in the server's words (still after a sentence in the page's language).
import type { Lang } from "../api/types";

const KO: [RegExp, (m: RegExpMatchArray) => string][] = [
  [
    /^the boxer was found in only (\d+)% of the video \(at least (\d+)% is needed\)/,
    (m) => `영상의 ${m[1]}%에서만 선수를 찾았습니다(최소 ${m[2]}% 필요). 몸 전체가 화면에 들어오도록 조금 더 멀리서, 밝은 곳에서, 휴대폰을 고정하고(삼각대나 받침) 가슴 높이에서 찍어 주세요.`,
  ],
  [/^no one was found anywhere in this video/, () => "이 영상 어디에서도 사람을 찾지 못했습니다. 밝은 곳에서 몸 전체가 보이도록 다시 찍어 주세요."],
  [/^no one was found on any thumbnail/, () => "어느 썸네일에서도 사람을 찾지 못했습니다. 밝은 곳에서 몸 전체가 보이도록 조금 더 멀리서 찍어 주세요."],
  [
    /^no one was found in the box you picked at ([\d.]+) s/,
    (m) => `${m[1]}초에 고른 상자 안에서 사람을 찾지 못했습니다. 썸네일에서 본인 주위의 상자를 고르거나, 몸 전체가 화면에 들어오게 찍어 주세요.`,
  ],
  [/^no boxer was found in the video/, () => "영상에서 선수를 찾지 못했습니다. 밝은 곳에서 카메라를 고정하고 상체 전체를 찍어 주세요."],
  [
    /^the boxer's shoulders and hips are never visible together/,
    () => "어깨와 엉덩이가 함께 보이는 순간이 없어 몸 크기를 잴 수 없습니다. 엉덩이부터 위로 상체 전체를 찍어 주세요.",
  ],
  [/^no frame of the video could be decoded/, () => "영상의 어떤 프레임도 읽을 수 없습니다. 파일이 손상되었을 수 있으니 다시 내보내 주세요."],
];

/** ``text`` in ``lang`` when it is one of the known failure sentences, else ``text`` unchanged. */
export function localizeServerText(text: string, lang: Lang): string {
  if (lang !== "ko") return text;
  for (const [pattern, render] of KO) {
    const match = text.match(pattern);
    if (match) return render(match);
  }
  return text;
}
