// A few inline SVG icons (instead of the large @mui/icons-material package).
import { SvgIcon, type SvgIconProps } from "@mui/material";

export const GloveIcon = (props: SvgIconProps) => (
  <SvgIcon {...props} aria-hidden>
    <path d="M6 15V9a4 4 0 0 1 4-4h4a5 5 0 0 1 5 5v3a4 4 0 0 1-4 4h-5l-2 3H6z" />
  </SvgIcon>
);
export const MenuIcon = (props: SvgIconProps) => (
  <SvgIcon {...props} aria-hidden>
    <path d="M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z" />
  </SvgIcon>
);
export const UploadIcon = (props: SvgIconProps) => (
  <SvgIcon {...props} aria-hidden>
    <path d="M5 20h14v-2H5zm7-16-5 5h3v6h4V9h3z" />
  </SvgIcon>
);
export const CopyIcon = (props: SvgIconProps) => (
  <SvgIcon {...props} aria-hidden>
    <path d="M16 1H4a2 2 0 0 0-2 2v14h2V3h12zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2m0 16H8V7h11z" />
  </SvgIcon>
);
export const DeleteIcon = (props: SvgIconProps) => (
  <SvgIcon {...props} aria-hidden>
    <path d="M6 19a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2V7H6zM19 4h-3.5l-1-1h-5l-1 1H5v2h14z" />
  </SvgIcon>
);
export const PlayIcon = (props: SvgIconProps) => (
  <SvgIcon {...props} aria-hidden>
    <path d="M8 5v14l11-7z" />
  </SvgIcon>
);
