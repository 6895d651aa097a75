/** Small inline SVG icons (no icon font, no request elsewhere); the buttons carry the names. */
const paths = {
  pencil: 'M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4',
  trash: 'M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13',
  plus: 'M12 5v14M5 12h14',
  menu: 'M4 7h16M4 12h16M4 17h16',
  copy: 'M9 9h10v11H9zM5 15V4h10',
  retry: 'M4 12a8 8 0 1 0 3-6.2M4 4v5h5',
  stop: 'M7 7h10v10H7z',
  send: 'M4 12l16-8-6 16-2-7z',
} as const;

export function Icon({ name }: { name: keyof typeof paths }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[name]} />
    </svg>
  );
}
