import Markdown, { type Components } from 'react-markdown';

/**
 * Model output as Markdown, safely: raw HTML in it is shown as text (react-markdown renders no HTML
 * without rehype-raw, which this app does not use), links get react-markdown's URL filter (no
 * `javascript:`) and open elsewhere without a referrer, and images are links, so a model answer can
 * never make the page load something from another origin.
 */
const components: Components = {
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  ),
  img: ({ src, alt }) => (
    <a href={typeof src === 'string' ? src : undefined} target="_blank" rel="noopener noreferrer nofollow">
      {alt === undefined || alt === '' ? 'image' : alt}
    </a>
  ),
};

export function MarkdownText({ text }: { text: string }) {
  return (
    <div className="markdown">
      <Markdown components={components} skipHtml={false}>
        {text}
      </Markdown>
    </div>
  );
}
