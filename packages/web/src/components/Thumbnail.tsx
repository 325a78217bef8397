import { type Asset, srcsetOf } from '@assetd/sdk';
import { useState } from 'react';

const ICONS: Record<string, string> = { audio: '♪', video: '▶', '3d': '⬢', image: '▣' };

/** The asset's thumbnail (or its 3D render); an icon of its kind when it has none or it fails to load. */
export function Thumbnail(props: { asset: Asset }) {
  const { asset } = props;
  const [broken, setBroken] = useState(false);
  const url = asset.thumbnail?.url ?? asset.preview?.url;
  return (
    <div className={`thumb thumb-${asset.kind}`}>
      {url && !broken ? (
        <img src={url} srcSet={srcsetOf(asset)} alt="" loading="lazy" decoding="async" draggable={false} onError={() => setBroken(true)} />
      ) : (
        <span className="thumb-icon" aria-hidden="true">
          {ICONS[asset.kind] ?? '■'}
        </span>
      )}
      <span className="kind-badge">{asset.kind === '3d' ? '3D' : asset.kind}</span>
    </div>
  );
}
