// Where the public training sets come from, and how far their checksums can be trusted.
//
// The development machines have no internet access, so none of these URLs or checksums has
// been verified from here. A checksum marked with its provenance below is one published by a
// third party; everything else is 'unverified': fetchDataset then reports the SHA-256 it
// computed so that the first person with network access can check it and pin it here.

export type DatasetName = 'emnist' | 'nist36'

export interface DatasetFile {
  /** Name of the downloaded file inside the output directory. */
  file: string
  url: string
  /** Expected SHA-256 (hex). Absent = not yet known. */
  sha256?: string
  /** Expected MD5 (hex), where only that is published. Weaker, but catches damaged downloads. */
  md5?: string
  /** Where the checksum comes from, or why there is none. */
  checksumSource: string
  /** Approximate size, for messages only. */
  approxBytes?: number
}

export interface DatasetSource {
  name: DatasetName
  description: string
  homepage: string
  files: DatasetFile[]
  /** What to do with the downloaded files; printed by the CLI. */
  nextStep: string
}

/** True for a data set `glyphdesk data fetch` knows (a command-line name is any string). */
export function isDatasetName(s: string): s is DatasetName {
  return Object.hasOwn(DATASET_SOURCES, s)
}

export const DATASET_SOURCES: Record<DatasetName, DatasetSource> = {
  emnist: {
    name: 'emnist',
    description: 'EMNIST (Cohen et al. 2017): NIST SD19 handwritten digits and letters as 28×28 idx files, all splits',
    homepage: 'https://www.nist.gov/itl/products-and-services/emnist-dataset',
    files: [
      {
        file: 'gzip.zip',
        url: 'https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip',
        md5: '58c8d27c78d21e728a6bc7b3cc06412e',
        checksumSource: 'MD5 as pinned by torchvision.datasets.EMNIST; SHA-256 not yet recorded',
        approxBytes: 562e6
      }
    ],
    nextStep:
      'unzip gzip.zip (fetchDataset does it with { extract: true }; it holds gzip/emnist-<split>-<train|test>-<images-idx3|labels-idx1>-ubyte.gz), then read with readEmnistDir(<dir>/gzip, split, part), or make a NIST36-layout glyph set with `glyphdesk data import emnist <dir> --split S --out DIR`'
  },
  nist36: {
    name: 'nist36',
    description:
      "CMU 16-720 'Neural Networks for Recognition' coursework data: nist36_{train,valid,test}.mat (10800/3600/1800 glyphs)",
    homepage: 'http://www.cs.cmu.edu/~16720/',
    files: [
      {
        file: 'data.zip',
        url: 'http://www.cs.cmu.edu/~lkeselma/16720a_data/data.zip',
        checksumSource: 'unverified: no published checksum; verify the SHA-256 printed after the first download',
        approxBytes: 100e6
      }
    ],
    nextStep:
      'unzip data.zip (fetchDataset does it with { extract: true }), then read the directory holding nist36_train.mat with readGlyphSet'
  }
}

export type ChecksumStatus = 'sha256' | 'md5' | 'unverified'

export function checksumStatus(f: Pick<DatasetFile, 'sha256' | 'md5'>): ChecksumStatus {
  return f.sha256 ? 'sha256' : f.md5 ? 'md5' : 'unverified'
}
